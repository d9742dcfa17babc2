// Invitations to an account, and the members they become. Tenant rows: every function takes a tenant transaction.
import type { TransactionSql } from './sql.ts';
import type { MemberRole } from './users.ts';

export interface InvitationRow {
  id: string;
  accountId: string;
  email: string;
  role: MemberRole;
  invitedBy: string;
  invitedByName: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const columns = (tx: TransactionSql) => tx`
  i.id, i.account_id as "accountId", i.email, i.role, i.invited_by as "invitedBy", coalesce(u.name, 'a former member') as "invitedByName",
  i.created_at as "createdAt", i.expires_at as "expiresAt", i.accepted_at as "acceptedAt", i.revoked_at as "revokedAt"`;

export class OpenInvitationExistsError extends Error {
  override name = 'OpenInvitationExistsError';
}

export async function createInvitation(
  tx: TransactionSql,
  invitation: { id: string; accountId: string; email: string; role: MemberRole; tokenHash: Buffer; invitedBy: string; expiresAt: Date },
): Promise<void> {
  try {
    await tx.savepoint((sp) => sp`
      insert into invitations (id, account_id, email, role, token_hash, invited_by, expires_at)
      values (${invitation.id}, ${invitation.accountId}, ${invitation.email}, ${invitation.role}, ${invitation.tokenHash}, ${invitation.invitedBy}, ${invitation.expiresAt})`);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new OpenInvitationExistsError(invitation.email);
    throw err;
  }
}

export async function listOpenInvitations(tx: TransactionSql, accountId: string): Promise<InvitationRow[]> {
  return tx<InvitationRow[]>`
    select ${columns(tx)} from invitations i left join users u on u.id = i.invited_by
    where i.account_id = ${accountId} and i.accepted_at is null and i.revoked_at is null
    order by i.created_at desc`;
}

export async function getInvitation(tx: TransactionSql, accountId: string, id: string): Promise<InvitationRow | undefined> {
  const [row] = await tx<[InvitationRow?]>`
    select ${columns(tx)} from invitations i left join users u on u.id = i.invited_by
    where i.account_id = ${accountId} and i.id = ${id}`;
  return row;
}

export async function findInvitationByToken(tx: TransactionSql, accountId: string, tokenHash: Buffer): Promise<InvitationRow | undefined> {
  const [row] = await tx<[InvitationRow?]>`
    select ${columns(tx)} from invitations i left join users u on u.id = i.invited_by
    where i.account_id = ${accountId} and i.token_hash = ${tokenHash}`;
  return row;
}

/** Single use: only an open, unexpired invitation is taken, and only once, however many requests race. */
export async function markInvitationAccepted(tx: TransactionSql, accountId: string, id: string, userId: string): Promise<boolean> {
  const rows = await tx`
    update invitations set accepted_at = now(), accepted_by = ${userId}
    where account_id = ${accountId} and id = ${id} and accepted_at is null and revoked_at is null and expires_at > now()`;
  return rows.count === 1;
}

export async function revokeInvitation(tx: TransactionSql, accountId: string, id: string): Promise<boolean> {
  const rows = await tx`
    update invitations set revoked_at = now()
    where account_id = ${accountId} and id = ${id} and accepted_at is null and revoked_at is null`;
  return rows.count === 1;
}

/** A new token and a new expiry for an open invitation (the old link stops working). */
export async function renewInvitation(tx: TransactionSql, accountId: string, id: string, tokenHash: Buffer, expiresAt: Date): Promise<boolean> {
  const rows = await tx`
    update invitations set token_hash = ${tokenHash}, expires_at = ${expiresAt}
    where account_id = ${accountId} and id = ${id} and accepted_at is null and revoked_at is null`;
  return rows.count === 1;
}

export interface MemberRow {
  userId: string;
  name: string;
  email: string;
  role: MemberRole;
  approver: boolean;
  joinedAt: Date;
  /** Whether the member confirmed their email address. */
  emailVerified: boolean;
}

export async function listMembers(tx: TransactionSql, accountId: string): Promise<MemberRow[]> {
  return tx<MemberRow[]>`
    select m.user_id as "userId", u.name, u.email, m.role, m.approver, m.created_at as "joinedAt", u.email_verified_at is not null as "emailVerified"
    from memberships m join users u on u.id = m.user_id
    where m.account_id = ${accountId}
    order by u.name, u.email`;
}

export async function getMember(tx: TransactionSql, accountId: string, userId: string): Promise<MemberRow | undefined> {
  const [row] = await tx<[MemberRow?]>`
    select m.user_id as "userId", u.name, u.email, m.role, m.approver, m.created_at as "joinedAt", u.email_verified_at is not null as "emailVerified"
    from memberships m join users u on u.id = m.user_id
    where m.account_id = ${accountId} and m.user_id = ${userId}`;
  return row;
}

export async function addMember(tx: TransactionSql, accountId: string, userId: string, role: MemberRole): Promise<'added' | 'already'> {
  const rows = await tx`
    insert into memberships (account_id, user_id, role) values (${accountId}, ${userId}, ${role})
    on conflict (account_id, user_id) do nothing`;
  return rows.count === 1 ? 'added' : 'already';
}

export async function setMemberRole(tx: TransactionSql, accountId: string, userId: string, role: MemberRole): Promise<void> {
  // A viewer never holds the approver grant: a demotion to viewer takes it away.
  await tx`update memberships set role = ${role}, approver = approver and ${role} <> 'viewer' where account_id = ${accountId} and user_id = ${userId}`;
}

export async function setMemberApprover(tx: TransactionSql, accountId: string, userId: string, approver: boolean): Promise<void> {
  await tx`update memberships set approver = ${approver} where account_id = ${accountId} and user_id = ${userId}`;
}

export async function removeMember(tx: TransactionSql, accountId: string, userId: string): Promise<void> {
  await tx`delete from memberships where account_id = ${accountId} and user_id = ${userId}`;
}

/** Owners of the account, locked for the transaction, so two demotions cannot both leave it without one. */
export async function lockOwners(tx: TransactionSql, accountId: string): Promise<string[]> {
  const rows = await tx<{ userId: string }[]>`
    select user_id as "userId" from memberships where account_id = ${accountId} and role = 'owner' for update`;
  return rows.map((r) => r.userId);
}
