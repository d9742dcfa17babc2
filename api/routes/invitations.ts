// Invitations to join the account: invite by email with a role (up to your own), revoke or resend one, and, from
// the emailed link, preview and accept it (a single-use link that expires after 7 days).
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
  markInvitationAccepted,
  OpenInvitationExistsError,
  renewInvitation,
  revokeInvitation,
  type InvitationRow,
} from '../../db/invitations.ts';
import { enqueueEmail } from '../../db/outbox.ts';
import { appendAudit } from '../../db/audit.ts';
import { setSessionAccount } from '../../db/sessions.ts';
import type { TransactionSql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { getUserById, markEmailVerified, type MemberRole } from '../../db/users.ts';
import { hashToken } from '../auth/tokens.ts';
import type { AppDeps } from '../deps.ts';
import { deliverEmails } from '../email-delivery.ts';
import { AppError, notFound } from '../errors.ts';
import { mayGrant, ROLE_RANK } from '../permissions.ts';
import { auditActor } from '../plugins/authentication.ts';
import { MeResponse } from '../schemas/auth.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { InvitationEnvelope, InvitationList, InvitationParams, InvitationPreview, InviteBody, TokenBody } from '../schemas/invitations.ts';
import { meView } from '../views.ts';

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

const invitationView = (i: InvitationRow) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invitedByName: i.invitedByName,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
});

export const invitationRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
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
      return meView(sql, user.id, accountId);
    },
  );
};
