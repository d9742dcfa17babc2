// The caller's password: change it (their other sessions end), or reset a forgotten one with an emailed link.
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendPlatformAudit } from '../../db/audit.ts';
import { enqueueEmail } from '../../db/outbox.ts';
import { consumePasswordReset, createPasswordReset, findUserByEmail, getUserById, markEmailVerified, recentPasswordResets, setPassword } from '../../db/users.ts';
import { hashPassword, passwordWeakness, verifyPassword } from '../auth/passwords.ts';
import { guardedPasswordCheck } from '../auth/sign-in-limits.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { ChangePasswordBody, ResetConfirmBody, ResetRequestBody } from '../schemas/auth-password.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';

const authErrors = { ...commonErrors, 401: ErrorResponse, 429: ErrorResponse };

const weakPasswordError = (weakness: string, field: string) =>
  new AppError(400, 'weak_password', `${field === 'newPassword' ? 'new password' : 'password'} ${weakness}`, [{ field, in: 'body', message: `body.${field} ${weakness}` }]);

export const authPasswordRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;

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
      if (!(await guardedPasswordCheck(sql, reply, user.email, request.ip, () => verifyPassword(request.body.currentPassword, user.passwordHash)))) {
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
};
