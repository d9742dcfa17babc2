// Sign-up, sign-in, refresh, sign-out, the caller's own accounts, and creating an account.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  createSession,
  lockSignInAttempts,
  recentSignInFailures,
  recordSignInFailure,
  revokeSession,
  rotateRefreshToken,
  sessionOfRefreshToken,
  setSessionAccount,
} from '../../db/sessions.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount, withUser } from '../../db/tenancy.ts';
import { enqueueEmail } from '../../db/outbox.ts';
import { appendAudit, appendPlatformAudit } from '../../db/audit.ts';
import {
  consumePasswordReset,
  createAccountWithOwner,
  createPasswordReset,
  createUser,
  EmailTakenError,
  findUserByEmail,
  getMembership,
  getUserById,
  listMembershipsOfUser,
  recentPasswordResets,
  setPassword,
  type MembershipRow,
  type UserRow,
  createEmailVerification,
  consumeEmailVerification,
  recentEmailVerifications,
  markEmailVerified,
} from '../../db/users.ts';
import { deliverEmails } from '../email-delivery.ts';
import { burnPasswordCheck, hashPassword, passwordWeakness, verifyPassword } from '../auth/passwords.ts';
import { hashToken, newRefreshToken, REFRESH_COOKIE } from '../auth/tokens.ts';
import { randomBytes } from 'node:crypto';
import type { AppDeps } from '../deps.ts';
import { auditActor } from '../plugins/authentication.ts';
import { AppError, notFound } from '../errors.ts';
import { ChangePasswordBody, CreateAccountBody, MeResponse, ResetConfirmBody, VerifyEmailBody, ResetRequestBody, SignInBody, SignUpBody, SwitchAccountBody, TokenResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';

/** Failed sign-ins tolerated per email and per address within the window; the next attempt is refused. */
export const SIGN_IN_LIMITS = { perEmail: 10, perAddress: 50, windowSeconds: 60 } as const;

const authErrors = { ...commonErrors, 401: ErrorResponse, 429: ErrorResponse };

/** Confirmation links live a day; a user may ask for five an hour. */
const VERIFICATION_TTL_MS = 24 * 3600 * 1000;
const VERIFICATIONS_PER_HOUR = 5;

/** The user as the API shows them to themselves. */
export const userView = (user: Pick<UserRow, 'id' | 'email' | 'name' | 'emailVerifiedAt'>) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  emailVerified: user.emailVerifiedAt !== null,
});

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

  /**
   * A password check under the limits: at most `perEmail` failures per email and `perAddress` per client address
   * within the window, then 429 (even for the right password). Checks for one email and one address run one at a
   * time (advisory locks), so a burst of parallel guesses is counted guess by guess.
   */
  const guardedPasswordCheck = (reply: FastifyReply, email: string, ip: string, check: () => Promise<boolean>): Promise<boolean> =>
    sql.begin(async (tx) => {
      await lockSignInAttempts(tx, email, ip);
      const failures = await recentSignInFailures(tx, email, ip, SIGN_IN_LIMITS.windowSeconds);
      if (failures.byEmail >= SIGN_IN_LIMITS.perEmail || failures.byIp >= SIGN_IN_LIMITS.perAddress) {
        const waitS = failures.oldestEmailAt
          ? Math.max(1, Math.ceil(SIGN_IN_LIMITS.windowSeconds - (Date.now() - failures.oldestEmailAt.getTime()) / 1000))
          : SIGN_IN_LIMITS.windowSeconds;
        reply.header('retry-after', String(waitS));
        throw new AppError(429, 'too_many_attempts', `Too many failed sign-ins; this sign-in is locked for ${waitS} s`);
      }
      const ok = await check();
      if (!ok) await recordSignInFailure(tx, email, ip);
      return ok;
    }) as Promise<boolean>;

  const membershipView = (m: MembershipRow | undefined) =>
    m ? { accountId: m.accountId, accountName: m.accountName, role: m.role, approver: m.approver } : null;

  /** A new session (a new refresh-token family) for the user, acting for `accountId`. */
  /** Queues a confirmation link to the user's address, in the caller's transaction; answers the outbox id. */
  const queueVerification = async (tx: TransactionSql, user: { id: string; email: string; name: string }): Promise<string> => {
    const token = randomBytes(32).toString('base64url');
    await createEmailVerification(tx, { tokenHash: hashToken(token), userId: user.id, email: user.email, expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS) });
    return enqueueEmail(tx, {
      recipient: user.email,
      subject: 'Confirm your email for Incident Insights',
      body: [
        `Hello ${user.name},`,
        '',
        `Confirm that ${user.email} is yours within a day: ${config.web.origin}/verify-email?token=${encodeURIComponent(token)}`,
        '',
        'Until then you can use Incident Insights, but not invite people. If you did not sign up, ignore this email.',
      ].join('\n'),
    });
  };

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
          return queueVerification(tx, user);
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
        valid = await guardedPasswordCheck(reply, email, request.ip, () =>
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
      const user = (await getUserById(sql, caller.userId))!;
      const memberships = await withUser(sql, user.id, (tx) => listMembershipsOfUser(tx, user.id));
      return { user: userView(user), account: membershipView(membership), memberships: memberships.map((m) => membershipView(m)!) };
    },
  );

  app.post(
    '/api/accounts',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (you become its owner) and act for it',
        body: CreateAccountBody,
        response: { 201: MeResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      const id = randomUUID();
      const name = request.body.name.trim();
      await withAccount(sql, id, async (tx) => {
        await createAccountWithOwner(tx, { id, name, ownerId: caller.userId });
        await appendAudit(tx, id, { action: 'account.created', actor: auditActor(request), subjectUserId: caller.userId, target: { type: 'account', id }, details: { name } });
      }, caller.userId);
      await setSessionAccount(sql, caller.sessionId, id);
      const user = (await getUserById(sql, caller.userId))!;
      const memberships = await withUser(sql, user.id, (tx) => listMembershipsOfUser(tx, user.id));
      const account = memberships.find((m) => m.accountId === id);
      return reply.status(201).send({ user: userView(user), account: membershipView(account), memberships: memberships.map((m) => membershipView(m)!) });
    },
  );

  const weakPasswordError = (weakness: string, field: string) =>
    new AppError(400, 'weak_password', `${field === 'newPassword' ? 'new password' : 'password'} ${weakness}`, [{ field, in: 'body', message: `body.${field} ${weakness}` }]);

  app.post(
    '/api/auth/password',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        summary: 'Change your password; your other sessions end',
        body: ChangePasswordBody,
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      const user = (await getUserById(sql, caller.userId))!;
      // The same limits as sign-in: a stolen session must not become a way to guess the password.
      if (!(await guardedPasswordCheck(reply, user.email, request.ip, () => verifyPassword(request.body.currentPassword, user.passwordHash)))) {
        throw new AppError(400, 'wrong_password', 'The current password is wrong', [{ field: 'currentPassword', in: 'body', message: 'body.currentPassword is wrong' }]);
      }
      const weakness = passwordWeakness(request.body.newPassword, { email: user.email, name: user.name });
      if (weakness) throw weakPasswordError(weakness, 'newPassword');
      const hash = await hashPassword(request.body.newPassword);
      await sql.begin(async (tx) => {
        await setPassword(tx, user.id, hash, caller.sessionId, 'password changed');
        await appendPlatformAudit(tx, { action: 'user.password_changed', actor: auditActor(request), subjectUserId: user.id, details: { otherSessionsEnded: true } });
      });
      request.log.info({ userId: user.id }, 'password changed');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password-reset',
    {
      config: { access: 'public', rateLimit: { max: config.auth.signUpsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Email a password-reset link (valid for an hour, once)',
        description: 'Answers 202 whether or not the email has a user, so it tells nobody which addresses exist.',
        body: ResetRequestBody,
        response: { 202: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const user = await findUserByEmail(sql, email);
      // At most five links an hour per user: more would only help someone flooding their mailbox.
      if (user && (await recentPasswordResets(sql, user.id, 3600)) < 5) {
        const token = randomBytes(32).toString('base64url');
        const emailId = await sql.begin(async (tx) => {
          await createPasswordReset(tx, { tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(Date.now() + 3600_000) });
          return enqueueEmail(tx, {
            recipient: user.email,
            subject: 'Reset your Incident Insights password',
            body: [
              `Someone (hopefully you) asked to reset the password of ${user.email}.`,
              '',
              `Choose a new one within an hour: ${config.web.origin}/reset-password?token=${encodeURIComponent(token)}`,
              '',
              'The link works once. If you did not ask, ignore this email: your password stays as it is.',
            ].join('\n'),
          });
        });
        await deliverEmails(deps, [emailId], request.log);
      }
      return reply.status(202).send(null);
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a reset link; every session of the user ends',
        body: ResetConfirmBody,
        response: { 204: Type.Null(), 410: ErrorResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      // Strength is checked before the link is spent, so a weak choice does not cost the user their link.
      const weakness = passwordWeakness(request.body.newPassword);
      if (weakness) throw weakPasswordError(weakness, 'newPassword');
      const hash = await hashPassword(request.body.newPassword);
      await sql.begin(async (tx) => {
        const userId = await consumePasswordReset(tx, hashToken(request.body.token));
        if (!userId) throw new AppError(410, 'invalid_reset_link', 'This reset link is not valid any more; ask for a new one');
        await setPassword(tx, userId, hash, undefined, 'password reset');
        const [owner] = await tx<[{ email: string }]>`select email from users where id = ${userId}`;
        // The link reached the mailbox: that confirms the address as well.
        await markEmailVerified(tx, userId, owner.email);
        await appendPlatformAudit(tx, {
          action: 'user.password_reset',
          actor: { ...auditActor(request), userId, label: owner.email },
          subjectUserId: userId,
          details: { via: 'emailed link', sessionsEnded: true },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/verify-email',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Confirm an email address with the emailed link (valid for a day, once)',
        body: VerifyEmailBody,
        response: { 204: Type.Null(), 410: ErrorResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      await sql.begin(async (tx) => {
        const confirmed = await consumeEmailVerification(tx, hashToken(request.body.token));
        if (!confirmed) throw new AppError(410, 'invalid_verification_link', 'This confirmation link is not valid any more; sign in and use “Send a new link” at the top of any page');
        await appendPlatformAudit(tx, {
          action: 'user.email_verified',
          actor: { ...auditActor(request), userId: confirmed.userId, label: confirmed.email },
          subjectUserId: confirmed.userId,
          details: { email: confirmed.email },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/verify-email/resend',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        summary: 'Email a new confirmation link (five an hour at most)',
        response: { 202: Type.Null(), 409: ErrorResponse, ...authErrors },
      },
    },
    async (request, reply) => {
      const user = (await getUserById(sql, request.caller!.userId))!;
      if (user.emailVerifiedAt) throw new AppError(409, 'already_verified', `${user.email} is confirmed already`);
      if ((await recentEmailVerifications(sql, user.id, 3600)) >= VERIFICATIONS_PER_HOUR) {
        reply.header('retry-after', '3600');
        throw new AppError(429, 'too_many_emails', 'Five confirmation emails were sent in the last hour; use one of them or try again later');
      }
      const emailId = await sql.begin((tx) => queueVerification(tx, user));
      await deliverEmails(deps, [emailId], request.log);
      return reply.status(202).send(null);
    },
  );
};
