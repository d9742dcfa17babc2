// Confirming the caller's email address with the emailed link, and asking for a new link.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendPlatformAudit } from '../../db/audit.ts';
import { consumeEmailVerification, getUserById, recentEmailVerifications } from '../../db/users.ts';
import { queueVerification, VERIFICATIONS_PER_HOUR } from '../auth/email-verification.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { VerifyEmailBody } from '../schemas/auth-verify-email.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';

const authErrors = { ...commonErrors, 401: ErrorResponse, 429: ErrorResponse };

export const authVerifyEmailRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;

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
      const emailId = await sql.begin((tx) => queueVerification(tx, config.web.origin, user));
      await deliverEmails(deps, [emailId], request.log);
      return reply.status(202).send(null);
    },
  );
};
