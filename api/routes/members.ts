// Members and invitations: invite by email with a role, accept a single-use expiring link, change roles, remove
// members, leave, and hand over ownership. An account always keeps at least one owner.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  addMember,
  createInvitation,
  findInvitationByToken,
  getInvitation,
  getMember,
  listMembers,
  listOpenInvitations,
  lockOwners,
  markInvitationAccepted,
  OpenInvitationExistsError,
  removeMember,
  renewInvitation,
  revokeInvitation,
  setMemberApprover,
  setMemberRole,
  type InvitationRow,
  type MemberRow,
} from '../../db/invitations.ts';
import { enqueueEmail } from '../../db/outbox.ts';
import { deliverEmails } from '../email-delivery.ts';
import { appendAudit } from '../../db/audit.ts';
import { setSessionAccount } from '../../db/sessions.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount, withUser } from '../../db/tenancy.ts';
import { deleteAccount, getUserById, listMembershipsOfUser, markEmailVerified, renameAccount, type MemberRole } from '../../db/users.ts';
import { userView } from './auth.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { auditActor, type Caller } from '../plugins/authentication.ts';
import { AppError, notFound } from '../errors.ts';
import { mayGrant, ROLE_RANK } from '../permissions.ts';
import { MeResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import {
  InvitationEnvelope,
  InvitationList,
  InvitationParams,
  InvitationPreview,
  InviteBody,
  MemberEnvelope,
  MemberList,
  MemberParams,
  DeleteAccountBody,
  RenameBody,
  MemberPatchBody,
  TokenBody,
  TransferBody,
} from '../schemas/members.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** `<accountId>.<secret>`: the account tells which tenant to look in; only the secret's hash is stored. */
function newInvitationToken(accountId: string): { token: string; hash: Buffer } {
  const token = `${accountId}.${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

function accountOfToken(token: string): string {
  const accountId = token.split('.')[0];
  if (!accountId || accountId === token) throw new AppError(404, 'invitation_not_found', 'This invitation link is not valid');
  return accountId;
}

function invitationStatus(inv: InvitationRow): 'open' | 'expired' | 'used' | 'revoked' {
  if (inv.revokedAt) return 'revoked';
  if (inv.acceptedAt) return 'used';
  if (inv.expiresAt.getTime() <= Date.now()) return 'expired';
  return 'open';
}

const memberView = (m: MemberRow) => ({ ...m, joinedAt: m.joinedAt.toISOString() });
const invitationView = (i: InvitationRow) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invitedByName: i.invitedByName,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
});

export const memberRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;

  const inviteEmail = (tx: TransactionSql, invitation: { email: string; role: MemberRole }, token: string, accountName: string, inviter: string) =>
    enqueueEmail(tx, {
      recipient: invitation.email,
      subject: `${inviter} invited you to ${accountName} on Incident Insights`,
      body: [
        `${inviter} invited you to join ${accountName} on Incident Insights as ${invitation.role}.`,
        '',
        `Accept within 7 days: ${config.web.origin}/invitations/accept?token=${encodeURIComponent(token)}`,
        '',
        'The link works once. If you did not expect it, ignore this email.',
      ].join('\n'),
    });

  /** The caller's view after joining or leaving: who they are and which accounts they have. */
  const me = async (userId: string, sessionAccountId: string | null) => {
    const user = (await getUserById(sql, userId))!;
    const memberships = await withUser(sql, userId, (tx) => listMembershipsOfUser(tx, userId));
    const current = memberships.find((m) => m.accountId === sessionAccountId) ?? null;
    return {
      user: userView(user),
      account: current ? { accountId: current.accountId, accountName: current.accountName, role: current.role, approver: current.approver } : null,
      memberships: memberships.map((m) => ({ accountId: m.accountId, accountName: m.accountName, role: m.role, approver: m.approver })),
    };
  };

  app.get(
    '/api/members',
    { config: { access: 'members:read' }, schema: { tags: ['members'], summary: 'Members of the account', response: { 200: MemberList, ...errors } } },
    async (request) => ({ members: (await withAccount(sql, request.accountId, (tx) => listMembers(tx, request.accountId))).map(memberView) }),
  );

  app.get(
    '/api/invitations',
    { config: { access: 'members:invite' }, schema: { tags: ['members'], summary: 'Open invitations', response: { 200: InvitationList, ...errors } } },
    async (request) => ({ invitations: (await withAccount(sql, request.accountId, (tx) => listOpenInvitations(tx, request.accountId))).map(invitationView) }),
  );

  app.post(
    '/api/invitations',
    {
      config: { access: 'members:invite' },
      schema: {
        tags: ['members'],
        summary: 'Invite someone by email with a role (up to your own)',
        description: 'Emails a single-use link that expires after 7 days.',
        body: InviteBody,
        response: { 201: InvitationEnvelope, ...errors },
      },
    },
    async (request, reply) => {
      const caller = request.caller!.account!;
      const email = request.body.email.trim().toLowerCase();
      if (!mayGrant(caller.role, request.body.role)) {
        throw new AppError(403, 'cannot_grant', `You cannot invite someone as ${request.body.role}: it is above your own role (${caller.role})`, [{ field: 'role', in: 'body', message: 'body.role is above your own role' }]);
      }
      const id = randomUUID();
      const { token, hash } = newInvitationToken(caller.accountId);
      const invitation = await withAccount(sql, caller.accountId, async (tx) => {
        const members = await listMembers(tx, caller.accountId);
        if (members.some((m) => m.email === email)) {
          throw new AppError(409, 'already_member', `${email} is already a member`, [{ field: 'email', in: 'body', message: 'body.email is already a member' }]);
        }
        try {
          await createInvitation(tx, { id, accountId: caller.accountId, email, role: request.body.role, tokenHash: hash, invitedBy: request.caller!.userId, expiresAt: new Date(Date.now() + INVITATION_TTL_MS) });
        } catch (err) {
          if (err instanceof OpenInvitationExistsError) {
            throw new AppError(409, 'already_invited', `${email} already has an open invitation; resend or revoke it`, [{ field: 'email', in: 'body', message: 'body.email already has an open invitation' }]);
          }
          throw err;
        }
        const row = (await getInvitation(tx, caller.accountId, id))!;
        const emailId = await inviteEmail(tx, row, token, caller.accountName, row.invitedByName);
        await appendAudit(tx, caller.accountId, { action: 'invitation.created', actor: auditActor(request), target: { type: 'invitation', id }, details: { email, role: row.role } });
        return { ...row, emailId };
      }, request.caller!.userId);
      await deliverEmails(deps, [invitation.emailId], request.log);
      request.log.info({ invitationId: id, role: invitation.role }, 'invitation sent');
      return reply.status(201).send({ invitation: invitationView(invitation) });
    },
  );

  app.post(
    '/api/invitations/:id/revoke',
    { config: { access: 'members:invite' }, schema: { tags: ['members'], summary: 'Revoke an open invitation (its link stops working)', params: InvitationParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      await withAccount(sql, request.accountId, async (tx) => {
        const invitation = await getInvitation(tx, request.accountId, request.params.id);
        if (!invitation || !(await revokeInvitation(tx, request.accountId, request.params.id))) throw notFound('open invitation', request.params.id);
        await appendAudit(tx, request.accountId, {
          action: 'invitation.revoked',
          actor: auditActor(request),
          target: { type: 'invitation', id: invitation.id },
          details: { email: invitation.email, role: invitation.role },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/invitations/:id/resend',
    { config: { access: 'members:invite' }, schema: { tags: ['members'], summary: 'Send a new link (the old one stops working) valid for 7 more days', params: InvitationParams, response: { 200: InvitationEnvelope, ...errors } } },
    async (request) => {
      const caller = request.caller!.account!;
      const { token, hash } = newInvitationToken(caller.accountId);
      const invitation = await withAccount(sql, caller.accountId, async (tx) => {
        const renewed = await renewInvitation(tx, caller.accountId, request.params.id, hash, new Date(Date.now() + INVITATION_TTL_MS));
        if (!renewed) throw notFound('open invitation', request.params.id);
        const row = (await getInvitation(tx, caller.accountId, request.params.id))!;
        const emailId = await inviteEmail(tx, row, token, caller.accountName, row.invitedByName);
        await appendAudit(tx, caller.accountId, { action: 'invitation.resent', actor: auditActor(request), target: { type: 'invitation', id: row.id }, details: { email: row.email, role: row.role } });
        return { ...row, emailId };
      });
      await deliverEmails(deps, [invitation.emailId], request.log);
      return { invitation: invitationView(invitation) };
    },
  );

  // POST, not GET: the token stays out of URLs that proxies and request logs keep.
  app.post(
    '/api/invitations/preview',
    {
      config: { access: 'public' },
      schema: { tags: ['members'], summary: 'What an invitation link offers (for the accept page)', body: TokenBody, response: { 200: InvitationPreview, ...errors } },
    },
    async (request) => {
      const token = request.body.token;
      const accountId = accountOfToken(token);
      const found = await withAccount(sql, accountId, async (tx) => {
        const inv = await findInvitationByToken(tx, accountId, hashToken(token));
        if (!inv) return undefined;
        const [account] = await tx<[{ name: string }?]>`select name from accounts where id = ${accountId}`;
        return { inv, accountName: account?.name ?? '' };
      });
      if (!found) throw new AppError(404, 'invitation_not_found', 'This invitation link is not valid');
      return { accountName: found.accountName, email: found.inv.email, role: found.inv.role, invitedByName: found.inv.invitedByName, expiresAt: found.inv.expiresAt.toISOString(), status: invitationStatus(found.inv) };
    },
  );

  app.post(
    '/api/invitations/accept',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['members'],
        summary: 'Join the account of an invitation sent to your email, and act for it',
        body: TokenBody,
        response: { 200: MeResponse, 410: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const caller = request.caller!;
      const accountId = accountOfToken(request.body.token);
      const user = (await getUserById(sql, caller.userId))!;
      await withAccount(sql, accountId, async (tx) => {
        const inv = await findInvitationByToken(tx, accountId, hashToken(request.body.token));
        if (!inv) throw new AppError(404, 'invitation_not_found', 'This invitation link is not valid');
        const status = invitationStatus(inv);
        if (status !== 'open') throw new AppError(410, `invitation_${status}`, `This invitation was ${status === 'used' ? 'already used' : status}; ask for a new one`);
        if (inv.email !== user.email) {
          throw new AppError(403, 'invitation_for_another_email', `This invitation is for ${inv.email}; sign in with that address to accept it`);
        }
        // An invitation carries its inviter's rights: if they were removed or demoted below its role since, it lapsed.
        const inviter = await getMember(tx, accountId, inv.invitedBy);
        if (!inviter || ROLE_RANK[inviter.role] < ROLE_RANK[inv.role]) {
          throw new AppError(410, 'invitation_revoked', 'This invitation lapsed: whoever sent it can no longer grant its role; ask for a new one');
        }
        if (!(await markInvitationAccepted(tx, accountId, inv.id, user.id))) throw new AppError(410, 'invitation_used', 'This invitation was already used; ask for a new one');
        await addMember(tx, accountId, user.id, inv.role);
        await appendAudit(tx, accountId, {
          action: 'invitation.accepted',
          actor: auditActor(request),
          subjectUserId: user.id,
          target: { type: 'invitation', id: inv.id },
          details: { email: user.email, role: inv.role, invitedBy: inv.invitedBy },
        });
      }, caller.userId);
      // The invitation reached this address's mailbox: that confirms it (users are not tenant rows, so not in the
      // account's transaction; setting it twice is harmless).
      await markEmailVerified(sql, user.id, user.email);
      await setSessionAccount(sql, caller.sessionId, accountId);
      request.log.info({ accountId }, 'invitation accepted');
      return me(user.id, accountId);
    },
  );

  /**
   * The actor's role as of this transaction (not as of the request's start): two managers demoting each other at
   * once cannot both act on rights one of them just lost. API tokens act with their own role.
   */
  const actorRole = async (tx: TransactionSql, accountId: string, caller: Caller): Promise<MemberRole> => {
    const member = await getMember(tx, accountId, caller.userId);
    if (!member) throw new AppError(403, 'forbidden', 'You are no longer a member of this account');
    const tokenRole = caller.account!.role;
    // A token never acts above its own role, whatever its creator holds.
    return caller.viaToken && ROLE_RANK[tokenRole] < ROLE_RANK[member.role] ? tokenRole : member.role;
  };

  /** Checks shared by changing a role and removing a member: rank, and the last owner. */
  const guardChange = async (tx: TransactionSql, accountId: string, actorRole: MemberRole, target: MemberRow, newRole: MemberRole | null) => {
    if (ROLE_RANK[target.role] > ROLE_RANK[actorRole]) {
      throw new AppError(403, 'cannot_manage', `Your role (${actorRole}) cannot change a member who is ${target.role}`);
    }
    if (newRole && !mayGrant(actorRole, newRole)) {
      throw new AppError(403, 'cannot_grant', `You cannot grant ${newRole}: it is above your own role (${actorRole})`, [{ field: 'role', in: 'body', message: 'body.role is above your own role' }]);
    }
    if (target.role === 'owner' && newRole !== 'owner') {
      const owners = await lockOwners(tx, accountId);
      if (owners.length <= 1) throw new AppError(409, 'last_owner', 'An account needs an owner: make someone else owner first');
    }
  };

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
      const after = await me(caller.userId, null);
      const next = after.memberships[0]?.accountId ?? null;
      if (next) await setSessionAccount(sql, caller.sessionId, next);
      return next ? me(caller.userId, next) : after;
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
      return me(caller.userId, caller.account!.accountId);
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
      const after = await me(caller.userId, null);
      const next = after.memberships[0]?.accountId ?? null;
      if (next) await setSessionAccount(sql, caller.sessionId, next);
      return next ? me(caller.userId, next) : after;
    },
  );
};
