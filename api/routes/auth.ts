// Sign-up, sign-in, refreshing and ending a session, the caller with their accounts, and switching the account a
// session acts for: `/api/auth/*` but the password (auth-password.ts), email confirmation (auth-verify-email.ts) and
// the caller's security events (auth-activity.ts).
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { createSession, revokeSession, rotateRefreshToken, sessionOfRefreshToken, setSessionAccount } from '../../db/sessions.ts';
import { withAccount, withUser } from '../../db/tenancy.ts';
import { appendAudit, appendPlatformAudit } from '../../db/audit.ts';
import { createAccountWithOwner, createUser, EmailTakenError, findUserByEmail, getMembership, getUserById, listMembershipsOfUser, type UserRow } from '../../db/users.ts';
import { deliverEmails } from '../email-delivery.ts';
import { queueVerification } from '../auth/email-verification.ts';
import { burnPasswordCheck, hashPassword, passwordWeakness, verifyPassword } from '../auth/passwords.ts';
import { guardedPasswordCheck } from '../auth/sign-in-limits.ts';
import { hashToken, newRefreshToken, REFRESH_COOKIE } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { auditActor } from '../plugins/authentication.ts';
import { AppError, notFound } from '../errors.ts';
import { MeResponse, SignInBody, SignUpBody, SwitchAccountBody, TokenResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { membershipView, meView, userView } from '../views.ts';

const authErrors = { ...commonErrors, 401: ErrorResponse, 429: ErrorResponse };

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;
  const sessionTtlMs = config.auth.sessionTtlDays * 24 * 3600 * 1000;

  const setRefreshCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(REFRESH_COOKIE, token, {
      httpOnly: true,
      secure: config.auth.cookieSecure,
      sameSite: 'strict',
      path: '/api/auth',
      maxAge: Math.floor(sessionTtlMs / 1000),
    });
  const clearRefreshCookie = (reply: FastifyReply) => reply.clearCookie(REFRESH_COOKIE, { path: '/api/auth' });

  /** A new session (a new refresh-token family) for the user, acting for `accountId`. */
  const startSession = async (request: FastifyRequest, reply: FastifyReply, user: Pick<UserRow, 'id' | 'email' | 'name' | 'emailVerifiedAt'>, accountId: string | null) => {
    const sessionId = randomUUID();
    const refresh = newRefreshToken();
    await createSession(
      sql,
      {
        id: sessionId,
        userId: user.id,
        currentAccountId: accountId,
        expiresAt: new Date(Date.now() + sessionTtlMs),
        userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
        ip: request.ip,
      },
      refresh.hash,
    );
    setRefreshCookie(reply, refresh.token);
    const membership = accountId ? await withAccount(sql, accountId, (tx) => getMembership(tx, accountId, user.id), user.id) : undefined;
    return {
      accessToken: await app.issueAccessToken({ sub: user.id, sid: sessionId }),
      expiresIn: config.auth.accessTokenTtlSeconds,
      user: userView(user),
      account: membershipView(membership),
    };
  };

  app.post(
    '/api/auth/signup',
    {
      config: { access: 'public', rateLimit: { max: config.auth.signUpsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Create a user (and, with `accountName`, their first account, as its owner) and sign them in',
        body: SignUpBody,
        response: { 201: TokenResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const weakness = passwordWeakness(request.body.password, { email, name: request.body.name });
      if (weakness) throw new AppError(400, 'weak_password', `password ${weakness}`, [{ field: 'password', in: 'body', message: `body.password ${weakness}` }]);
      const user = { id: randomUUID(), email, name: request.body.name.trim(), emailVerifiedAt: null };
      const passwordHash = await hashPassword(request.body.password);
      let verificationEmail: string;
      try {
        verificationEmail = await sql.begin(async (tx) => {
          await createUser(tx, { ...user, passwordHash });
          return queueVerification(tx, config.web.origin, user);
        });
      } catch (err) {
        if (err instanceof EmailTakenError) {
          throw new AppError(409, 'email_taken', 'An account with this email exists; sign in instead', [{ field: 'email', in: 'body', message: 'body.email is already registered' }]);
        }
        throw err;
      }
      const actor = { ...auditActor(request), userId: user.id, label: email };
      await appendPlatformAudit(sql, { action: 'user.signed_up', actor, subjectUserId: user.id });
      let accountId: string | null = null;
      if (request.body.accountName) {
        const id = randomUUID();
        const name = request.body.accountName.trim();
        await withAccount(sql, id, async (tx) => {
          await createAccountWithOwner(tx, { id, name, ownerId: user.id });
          await appendAudit(tx, id, { action: 'account.created', actor, subjectUserId: user.id, target: { type: 'account', id }, details: { name } });
        }, user.id);
        accountId = id;
      }
      await deliverEmails(deps, [verificationEmail], request.log);
      request.log.info({ userId: user.id }, 'user signed up');
      return reply.status(201).send(await startSession(request, reply, user, accountId));
    },
  );

  app.post(
    '/api/auth/signin',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Sign in with email and password', body: SignInBody, response: { 200: TokenResponse, ...authErrors } },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const user = await findUserByEmail(sql, email);
      // An unknown address is recorded without it: people type passwords into the email field.
      const actor = { ...auditActor(request), userId: null, label: user ? email : 'unknown address' };
      let valid: boolean;
      try {
        valid = await guardedPasswordCheck(sql, reply, email, request.ip, () =>
          user ? verifyPassword(request.body.password, user.passwordHash) : burnPasswordCheck(request.body.password).then(() => false),
        );
      } catch (err) {
        if (err instanceof AppError && err.code === 'too_many_attempts') {
          await appendPlatformAudit(sql, { action: 'user.sign_in_locked', actor, subjectUserId: user?.id ?? null });
        }
        throw err;
      }
      if (!user || !valid) {
        await appendPlatformAudit(sql, { action: 'user.sign_in_failed', actor, subjectUserId: user?.id ?? null, details: { reason: user ? 'wrong_password' : 'unknown_email' } });
        request.log.info({ reason: 'invalid_credentials' }, 'sign-in refused');
        throw new AppError(401, 'invalid_credentials', 'The email or the password is wrong');
      }
      await appendPlatformAudit(sql, {
        action: 'user.signed_in',
        actor: { ...actor, userId: user.id },
        subjectUserId: user.id,
        details: { userAgent: request.headers['user-agent']?.slice(0, 200) ?? null },
      });
      // Act for the user's first account (by name); the account switcher changes it.
      const memberships = await withUser(sql, user.id, (tx) => listMembershipsOfUser(tx, user.id));
      request.log.info({ userId: user.id }, 'user signed in');
      return startSession(request, reply, user, memberships[0]?.accountId ?? null);
    },
  );

  app.post(
    '/api/auth/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange the refresh cookie for a new access token (and a new refresh cookie)',
        description: 'A refresh token works once. Presenting one that was already exchanged ends its whole session.',
        response: { 200: TokenResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token) throw new AppError(401, 'invalid_refresh_token', 'No refresh token; sign in');
      const next = newRefreshToken();
      const outcome = await rotateRefreshToken(sql, hashToken(token), next.hash);
      if (outcome.kind !== 'rotated') {
        clearRefreshCookie(reply);
        if (outcome.kind === 'reused') {
          await appendPlatformAudit(sql, {
            action: 'session.refresh_reused',
            actor: { ...auditActor(request), userId: null, label: 'a refresh token presented twice' },
            subjectUserId: outcome.userId,
            target: { type: 'session', id: outcome.sessionId },
          });
          request.log.warn({ sessionId: outcome.sessionId }, 'refresh token reused: session revoked');
          throw new AppError(401, 'refresh_token_reused', 'This sign-in was used from elsewhere and has been ended for safety; sign in again');
        }
        throw new AppError(401, 'invalid_refresh_token', 'This session has ended; sign in again');
      }
      const { session } = outcome;
      const user = await getUserById(sql, session.userId);
      if (!user) throw new AppError(401, 'invalid_refresh_token', 'This session has ended; sign in again');
      setRefreshCookie(reply, next.token);
      const accountId = session.currentAccountId;
      const membership = accountId ? await withAccount(sql, accountId, (tx) => getMembership(tx, accountId, user.id), user.id) : undefined;
      return {
        accessToken: await app.issueAccessToken({ sub: user.id, sid: session.id }),
        expiresIn: config.auth.accessTokenTtlSeconds,
        user: userView(user),
        account: membershipView(membership),
      };
    },
  );

  app.post(
    '/api/auth/signout',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'End the session of the refresh cookie (or of the access token)', response: { 204: Type.Null(), ...authErrors } },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      let sessionId = token ? await sessionOfRefreshToken(sql, hashToken(token)) : undefined;
      if (!sessionId && request.headers.authorization) sessionId = (await app.authenticate(request)).sessionId;
      const ended = sessionId ? await revokeSession(sql, sessionId, 'signed out') : undefined;
      if (ended && sessionId) {
        const user = await getUserById(sql, ended.userId);
        await appendPlatformAudit(sql, {
          action: 'user.signed_out',
          actor: { ...auditActor(request), userId: ended.userId, label: user?.email ?? 'deleted user' },
          subjectUserId: ended.userId,
          target: { type: 'session', id: sessionId },
        });
      }
      clearRefreshCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: 'signed-in' },
      schema: { tags: ['auth'], summary: 'The caller, the account they act for, and all their accounts', response: { 200: MeResponse, ...authErrors } },
    },
    async (request) => {
      const caller = request.caller!;
      const user = await getUserById(sql, caller.userId);
      if (!user) throw new AppError(401, 'session_ended', 'This session has ended; sign in again');
      const memberships = await withUser(sql, user.id, (tx) => listMembershipsOfUser(tx, user.id));
      return {
        user: userView(user),
        account: caller.account ? { ...caller.account } : null,
        memberships: memberships.map((m) => membershipView(m)!),
      };
    },
  );

  app.post(
    '/api/auth/switch-account',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        summary: 'Act for another of your accounts (this session only)',
        body: SwitchAccountBody,
        response: { 200: MeResponse, 404: ErrorResponse, ...authErrors },
      },
    },
    async (request) => {
      const caller = request.caller!;
      const { accountId } = request.body;
      const membership = await withAccount(sql, accountId, (tx) => getMembership(tx, accountId, caller.userId), caller.userId);
      // Not a member looks exactly like no such account: ids of other accounts reveal nothing.
      if (!membership) throw notFound('account', accountId);
      await setSessionAccount(sql, caller.sessionId, accountId);
      return meView(sql, caller.userId, accountId);
    },
  );
};
