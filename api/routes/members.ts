// Members of the account: list them, change a member's role or approver grant (up to your own role; the last owner
// stays owner), remove a member.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getMember, listMembers, removeMember, setMemberApprover, setMemberRole } from '../../db/invitations.ts';
import { appendAudit } from '../../db/audit.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { actorRole, guardChange } from '../member-changes.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { MemberEnvelope, MemberList, MemberParams, MemberPatchBody } from '../schemas/members.ts';
import { memberView } from '../views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const memberRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/members',
    { config: { access: 'members:read' }, schema: { tags: ['members'], summary: 'Members of the account', response: { 200: MemberList, ...errors } } },
    async (request) => ({ members: (await withAccount(sql, request.accountId, (tx) => listMembers(tx, request.accountId))).map(memberView) }),
  );

  app.patch(
    '/api/members/:userId',
    {
      config: { access: 'members:manage' },
      schema: {
        tags: ['members'],
        summary: 'Change a member’s role (up to your own; the last owner stays owner) or their approver grant',
        params: MemberParams,
        body: MemberPatchBody,
        response: { 200: MemberEnvelope, ...errors },
      },
    },
    async (request) => {
      const caller = request.caller!.account!;
      const body = request.body;
      const member = await withAccount(sql, caller.accountId, async (tx) => {
        const target = await getMember(tx, caller.accountId, request.params.userId);
        if (!target) throw notFound('member', request.params.userId);
        const role = body.role ?? target.role;
        if (body.approver === true && role === 'viewer') {
          throw new AppError(400, 'invalid_body', 'A viewer cannot hold the approver grant: make them a responder first', [{ field: 'approver', message: 'viewers never approve runs' }]);
        }
        await guardChange(tx, caller.accountId, await actorRole(tx, caller.accountId, request.caller!), target, role);
        if (body.role !== undefined) await setMemberRole(tx, caller.accountId, target.userId, body.role);
        if (target.role !== role) {
          await appendAudit(tx, caller.accountId, {
            action: 'member.role_changed',
            actor: auditActor(request),
            subjectUserId: target.userId,
            target: { type: 'member', id: target.userId },
            details: { email: target.email, from: target.role, to: role },
          });
        }
        if (body.approver !== undefined && body.approver !== target.approver) {
          await setMemberApprover(tx, caller.accountId, target.userId, body.approver);
          await appendAudit(tx, caller.accountId, {
            action: body.approver ? 'member.approver_granted' : 'member.approver_revoked',
            actor: auditActor(request),
            subjectUserId: target.userId,
            target: { type: 'member', id: target.userId },
            details: { email: target.email, role },
          });
        }
        return (await getMember(tx, caller.accountId, target.userId))!;
      });
      request.log.info({ memberId: member.userId, role: member.role, approver: member.approver }, 'member changed');
      return { member: memberView(member) };
    },
  );

  app.delete(
    '/api/members/:userId',
    {
      config: { access: 'members:manage' },
      schema: { tags: ['members'], summary: 'Remove a member (not an owner unless you are one; never the last owner)', params: MemberParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      const caller = request.caller!.account!;
      await withAccount(sql, caller.accountId, async (tx) => {
        const target = await getMember(tx, caller.accountId, request.params.userId);
        if (!target) throw notFound('member', request.params.userId);
        await guardChange(tx, caller.accountId, await actorRole(tx, caller.accountId, request.caller!), target, null);
        await removeMember(tx, caller.accountId, target.userId);
        await appendAudit(tx, caller.accountId, {
          action: 'member.removed',
          actor: auditActor(request),
          subjectUserId: target.userId,
          target: { type: 'member', id: target.userId },
          details: { email: target.email, role: target.role },
        });
      });
      request.log.info({ memberId: request.params.userId }, 'member removed');
      return reply.status(204).send(null);
    },
  );
};
