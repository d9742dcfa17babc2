// API tokens: an account's machines (CLI, scripts) act with a role, through a token shown once and stored hashed.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenRow } from '../../db/api-tokens.ts';
import { appendAudit } from '../../db/audit.ts';
import { withAccount } from '../../db/tenancy.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { auditActor } from '../plugins/authentication.ts';
import { AppError, notFound } from '../errors.ts';
import { mayGrant } from '../permissions.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { ApiTokenList, ApiTokenParams, CreateApiTokenBody, CreatedApiToken } from '../schemas/tokens.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

const view = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdBy: t.createdBy,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

export const tokenRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/tokens',
    { config: { access: 'tokens:manage' }, schema: { tags: ['tokens'], summary: 'The account’s API tokens (never their secrets)', response: { 200: ApiTokenList, ...errors } } },
    async (request) => ({ tokens: (await withAccount(sql, request.accountId, (tx) => listApiTokens(tx, request.accountId))).map(view) }),
  );

  app.post(
    '/api/tokens',
    {
      config: { access: 'tokens:manage' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token with a role (up to your own); its secret is shown once',
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken, ...errors },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      const account = caller.account!;
      if (!mayGrant(account.role, request.body.role)) {
        throw new AppError(403, 'cannot_grant', `A token cannot have a role above your own (${account.role})`, [{ field: 'role', in: 'body', message: 'body.role is above your own role' }]);
      }
      const token = `iit.${account.accountId}.${randomBytes(32).toString('base64url')}`;
      const row = await withAccount(sql, account.accountId, async (tx) => {
        const created = await createApiToken(tx, { id: randomUUID(), accountId: account.accountId, name: request.body.name.trim(), role: request.body.role, tokenHash: hashToken(token), createdBy: caller.userId });
        await appendAudit(tx, account.accountId, { action: 'token.created', actor: auditActor(request), target: { type: 'api_token', id: created.id }, details: { name: created.name, role: created.role } });
        return created;
      });
      request.log.info({ tokenId: row.id, role: row.role }, 'API token created');
      return reply.status(201).send({ token, apiToken: view(row) });
    },
  );

  app.post(
    '/api/tokens/:id/revoke',
    { config: { access: 'tokens:manage' }, schema: { tags: ['tokens'], summary: 'Revoke an API token at once', params: ApiTokenParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await withAccount(sql, request.accountId, async (tx) => {
        const token = await revokeApiToken(tx, request.accountId, request.params.id);
        if (!token) throw notFound('API token', request.params.id);
        await appendAudit(tx, request.accountId, { action: 'token.revoked', actor: auditActor(request), target: { type: 'api_token', id: request.params.id }, details: { name: token.name, role: token.role } });
      });
      request.log.info({ tokenId: request.params.id }, 'API token revoked');
      return reply.status(204).send(null);
    },
  );
};
