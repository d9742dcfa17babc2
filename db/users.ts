// Users (people who sign in) and their account memberships. Users are global; memberships are tenant rows.
import type { Sql, TransactionSql } from './sql.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  passwordChangedAt: Date;
  /** When the user proved they read this address (a confirmation, reset or invitation link); null until then. */
  emailVerifiedAt: Date | null;
}

const userColumns = (sql: Sql) => sql`
  id, email, name, password_hash as "passwordHash", password_changed_at as "passwordChangedAt", email_verified_at as "emailVerifiedAt"`;

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

export async function createUser(sql: Sql | TransactionSql, user: { id: string; email: string; name: string; passwordHash: string }): Promise<void> {
  try {
    await sql`insert into users (id, email, name, password_hash) values (${user.id}, ${user.email}, ${user.name}, ${user.passwordHash})`;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new EmailTakenError(user.email);
    throw err;
  }
}

/** For sign-in, before anyone's context exists: runs as the connecting role (users has RLS enabled, not forced). */
export async function findUserByEmail(sql: Sql, email: string): Promise<UserRow | undefined> {
  const [row] = await sql<[UserRow?]>`
    select ${userColumns(sql)} from users where email = ${email}`;
  return row;
}

export async function getUserById(sql: Sql, id: string): Promise<UserRow | undefined> {
  const [row] = await sql<[UserRow?]>`
    select ${userColumns(sql)} from users where id = ${id}`;
  return row;
}

export type MemberRole = 'owner' | 'admin' | 'responder' | 'viewer';

export interface MembershipRow {
  accountId: string;
  accountName: string;
  role: MemberRole;
  approver: boolean;
}

/** The user's accounts, for the account switcher (a withUser transaction). */
export async function listMembershipsOfUser(tx: TransactionSql, userId: string): Promise<MembershipRow[]> {
  return tx<MembershipRow[]>`
    select m.account_id as "accountId", a.name as "accountName", m.role, m.approver
    from memberships m join accounts a on a.id = m.account_id
    where m.user_id = ${userId}
    order by a.name, a.id`;
}

/** The user's role in the transaction's account (a withAccount transaction), or undefined if not a member. */
export async function getMembership(tx: TransactionSql, accountId: string, userId: string): Promise<MembershipRow | undefined> {
  const [row] = await tx<[MembershipRow?]>`
    select m.account_id as "accountId", a.name as "accountName", m.role, m.approver
    from memberships m join accounts a on a.id = m.account_id
    where m.account_id = ${accountId} and m.user_id = ${userId}`;
  return row;
}

export async function renameAccount(tx: TransactionSql, accountId: string, name: string): Promise<void> {
  await tx`update accounts set name = ${name} where id = ${accountId}`;
}

/** Deletes the account; its memberships, jobs and everything else that names it go with it (foreign keys). */
export async function deleteAccount(tx: TransactionSql, accountId: string): Promise<boolean> {
  const rows = await tx`delete from accounts where id = ${accountId}`;
  // Marked by the incidents' delete trigger during the cascade, after the account row went (migration 0018).
  await tx`delete from incident_rollup_dirty where account_id = ${accountId}`;
  return rows.count === 1;
}

/** A new account with its first owner (a withAccount transaction for the new account). */
export async function createAccountWithOwner(tx: TransactionSql, account: { id: string; name: string; ownerId: string }): Promise<void> {
  await tx`insert into accounts (id, name) values (${account.id}, ${account.name})`;
  await tx`insert into memberships (account_id, user_id, role) values (${account.id}, ${account.ownerId}, 'owner')`;
}

/** A new password; the user's other sessions end (all of them when `keepSessionId` is undefined). Run in a transaction. */
export async function setPassword(tx: TransactionSql, userId: string, passwordHash: string, keepSessionId: string | undefined, reason: string): Promise<void> {
  await tx`update users set password_hash = ${passwordHash}, password_changed_at = now() where id = ${userId}`;
  // Any other reset link still open dies with the old password.
  await tx`update password_resets set used_at = now() where user_id = ${userId} and used_at is null`;
  await tx`
    update sessions set revoked_at = now(), revoked_reason = ${reason}
    where user_id = ${userId} and revoked_at is null ${keepSessionId ? tx`and id <> ${keepSessionId}` : tx``}`;
}

export async function createPasswordReset(sql: Sql | TransactionSql, reset: { tokenHash: Buffer; userId: string; expiresAt: Date }): Promise<void> {
  await sql`insert into password_resets (token_hash, user_id, expires_at) values (${reset.tokenHash}, ${reset.userId}, ${reset.expiresAt})`;
}

export async function recentPasswordResets(sql: Sql, userId: string, seconds: number): Promise<number> {
  const [row] = await sql<[{ n: number }]>`
    select count(*)::int as n from password_resets where user_id = ${userId} and created_at > now() - make_interval(secs => ${seconds})`;
  return row.n;
}

/** Takes a reset link once: the user it belongs to, or undefined when unknown, used or expired. */
export async function consumePasswordReset(sql: Sql | TransactionSql, tokenHash: Buffer): Promise<string | undefined> {
  const [row] = await sql<[{ userId: string }?]>`
    update password_resets set used_at = now()
    where token_hash = ${tokenHash} and used_at is null and expires_at > now()
    returning user_id as "userId"`;
  return row?.userId;
}

export async function createEmailVerification(sql: Sql | TransactionSql, link: { tokenHash: Buffer; userId: string; email: string; expiresAt: Date }): Promise<void> {
  await sql`insert into email_verifications (token_hash, user_id, email, expires_at) values (${link.tokenHash}, ${link.userId}, ${link.email}, ${link.expiresAt})`;
}

export async function recentEmailVerifications(sql: Sql, userId: string, seconds: number): Promise<number> {
  const [row] = await sql<[{ n: number }]>`
    select count(*)::int as n from email_verifications where user_id = ${userId} and created_at > now() - make_interval(secs => ${seconds})`;
  return row.n;
}

/**
 * Takes a confirmation link once and marks the address confirmed: the user, or undefined when the link is unknown,
 * used, expired, or was sent to an address the user no longer has.
 */
export async function consumeEmailVerification(sql: Sql | TransactionSql, tokenHash: Buffer): Promise<{ userId: string; email: string } | undefined> {
  const [link] = await sql<[{ userId: string; email: string }?]>`
    update email_verifications set used_at = now()
    where token_hash = ${tokenHash} and used_at is null and expires_at > now()
    returning user_id as "userId", email`;
  if (!link) return undefined;
  return (await markEmailVerified(sql, link.userId, link.email)) ? link : undefined;
}

/** Marks the user's address confirmed, if it still is `email` (a link proves the mailbox it went to, nothing else). */
export async function markEmailVerified(sql: Sql | TransactionSql, userId: string, email: string): Promise<boolean> {
  const rows = await sql`update users set email_verified_at = coalesce(email_verified_at, now()) where id = ${userId} and email = ${email}`;
  return rows.count === 1;
}
