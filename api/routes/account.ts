// The current account: leave it (the last owner cannot), hand over its ownership, rename it, delete it with all its
// data. An account always keeps at least one owner.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getMember, listMembers, lockOwners, removeMember, setMemberRole } from '../../db/invitations.ts';
import { appendAudit } from '../../db/audit.ts';
import { setSessionAccount } from '../../db/sessions.ts';
import { withAccount } from '../../db/tenancy.ts';
import { deleteAccount, renameAccount } from '../../db/users.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { guardChange } from '../member-changes.ts';
import { auditActor } from '../plugins/authentication.ts';
import { DeleteAccountBody, RenameBody, TransferBody } from '../schemas/account.ts';
import { MeResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { MemberList } from '../schemas/members.ts';
import { memberView, meView } from '../views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const accountRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.post(
    '/api/account/leave',
    { config: { access: 'account:leave' }, schema: { tags: ['members'], summary: 'Leave the current account (the last owner cannot)', response: { 200: MeResponse, ...errors } } },
    async (request) => {
      const caller = request.caller!;
      const account = caller.account!;
      await withAccount(sql, account.accountId, async (tx) => {
        const self = (await getMember(tx, account.accountId, caller.userId))!;
        await guardChange(tx, account.accountId, account.role, self, null);
        await removeMember(tx, account.accountId, caller.userId);
        await appendAudit(tx, account.accountId, { action: 'member.left', actor: auditActor(request), subjectUserId: caller.userId, target: { type: 'member', id: caller.userId }, details: { role: self.role } });
      }, caller.userId);
      const after = await meView(sql, caller.userId, null);
      const next = after.memberships[0]?.accountId ?? null;
      if (next) await setSessionAccount(sql, caller.sessionId, next);
      return next ? meView(sql, caller.userId, next) : after;
    },
  );

  app.post(
    '/api/account/transfer-ownership',
    {
      config: { access: 'account:transfer' },
      schema: { tags: ['members'], summary: 'Make another member the owner; you become an admin', body: TransferBody, response: { 200: MemberList, ...errors } },
    },
    async (request) => {
      const caller = request.caller!;
      const accountId = caller.account!.accountId;
      if (request.body.userId === caller.userId) throw new AppError(400, 'invalid_body', 'Choose another member', [{ field: 'userId', in: 'body', message: 'body.userId is you' }]);
      const members = await withAccount(sql, accountId, async (tx) => {
        const target = await getMember(tx, accountId, request.body.userId);
        if (!target) throw notFound('member', request.body.userId);
        await lockOwners(tx, accountId);
        await setMemberRole(tx, accountId, target.userId, 'owner');
        await setMemberRole(tx, accountId, caller.userId, 'admin');
        await appendAudit(tx, accountId, {
          action: 'account.ownership_transferred',
          actor: auditActor(request),
          subjectUserId: target.userId,
          target: { type: 'member', id: target.userId },
          details: { to: target.email, previousRoleOfNewOwner: target.role, previousOwnerNowAdmin: caller.label },
        });
        return listMembers(tx, accountId);
      });
      request.log.info({ newOwner: request.body.userId }, 'ownership transferred');
      return { members: members.map(memberView) };
    },
  );

  app.patch(
    '/api/account',
    {
      config: { access: 'account:rename' },
      schema: { tags: ['accounts'], summary: 'Rename the current account', body: RenameBody, response: { 200: MeResponse, ...errors } },
    },
    async (request) => {
      const caller = request.caller!;
      const accountId = caller.account!.accountId;
      const name = request.body.name.trim();
      await withAccount(sql, accountId, async (tx) => {
        await renameAccount(tx, accountId, name);
        await appendAudit(tx, accountId, { action: 'account.renamed', actor: auditActor(request), target: { type: 'account', id: accountId }, details: { from: caller.account!.accountName, to: name } });
      });
      request.log.info({ accountId: caller.account!.accountId }, 'account renamed');
      return meView(sql, caller.userId, caller.account!.accountId);
    },
  );

  app.delete(
    '/api/account',
    {
      config: { access: 'account:delete' },
      schema: {
        tags: ['accounts'],
        summary: 'Delete the current account and all its data',
        description: 'The body must repeat the account’s name exactly. Members keep their users and other accounts.',
        body: DeleteAccountBody,
        response: { 200: MeResponse, ...errors },
      },
    },
    async (request) => {
      const caller = request.caller!;
      const account = caller.account!;
      if (request.body.confirmName !== account.accountName) {
        throw new AppError(400, 'confirmation_mismatch', 'Type the account’s name exactly to delete it', [{ field: 'confirmName', in: 'body', message: 'body.confirmName does not match the account name' }]);
      }
      await withAccount(sql, account.accountId, async (tx) => {
        // The entry outlives the account (no foreign key): the chain ends with who deleted it.
        await appendAudit(tx, account.accountId, { action: 'account.deleted', actor: auditActor(request), target: { type: 'account', id: account.accountId }, details: { name: account.accountName } });
        await deleteAccount(tx, account.accountId);
      }, caller.userId);
      request.log.warn({ accountId: account.accountId }, 'account deleted');
      const after = await meView(sql, caller.userId, null);
      const next = after.memberships[0]?.accountId ?? null;
      if (next) await setSessionAccount(sql, caller.sessionId, next);
      return next ? meView(sql, caller.userId, next) : after;
    },
  );
};
