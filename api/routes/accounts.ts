// Creating an account: the caller becomes its owner, and their session acts for it.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { appendAudit } from '../../db/audit.ts';
import { setSessionAccount } from '../../db/sessions.ts';
import { withAccount } from '../../db/tenancy.ts';
import { createAccountWithOwner } from '../../db/users.ts';
import type { AppDeps } from '../deps.ts';
import { auditActor } from '../plugins/authentication.ts';
import { CreateAccountBody } from '../schemas/accounts.ts';
import { MeResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { meView } from '../views.ts';

const authErrors = { ...commonErrors, 401: ErrorResponse, 429: ErrorResponse };

export const accountsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

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
      return reply.status(201).send(await meView(sql, caller.userId, id));
    },
  );
};
