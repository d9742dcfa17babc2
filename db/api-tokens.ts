// API tokens of an account (tenant rows: every function takes a tenant transaction).
import type { TransactionSql } from './sql.ts';
import type { MemberRole } from './users.ts';

export interface ApiTokenRow {
  id: string;
  accountId: string;
  name: string;
  role: MemberRole;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", name, role, created_by as "createdBy", created_at as "createdAt",
  last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

export async function createApiToken(
  tx: TransactionSql,
  token: { id: string; accountId: string; name: string; role: MemberRole; tokenHash: Buffer; createdBy: string },
): Promise<ApiTokenRow> {
  const [row] = await tx<[ApiTokenRow]>`
    insert into api_tokens (id, account_id, name, role, token_hash, created_by)
    values (${token.id}, ${token.accountId}, ${token.name}, ${token.role}, ${token.tokenHash}, ${token.createdBy})
    returning ${columns(tx)}`;
  return row;
}

export async function listApiTokens(tx: TransactionSql, accountId: string): Promise<ApiTokenRow[]> {
  return tx<ApiTokenRow[]>`select ${columns(tx)} from api_tokens where account_id = ${accountId} order by created_at desc`;
}

export async function findApiToken(tx: TransactionSql, accountId: string, tokenHash: Buffer): Promise<ApiTokenRow | undefined> {
  const [row] = await tx<[ApiTokenRow?]>`select ${columns(tx)} from api_tokens where account_id = ${accountId} and token_hash = ${tokenHash}`;
  return row;
}

/** Records use at most once a minute per token, so busy scripts do not write on every request. */
export async function touchApiToken(tx: TransactionSql, accountId: string, id: string): Promise<void> {
  await tx`
    update api_tokens set last_used_at = now()
    where account_id = ${accountId} and id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

/** Revokes a live token; answers it as revoked, or undefined when there was no live token with that id. */
export async function revokeApiToken(tx: TransactionSql, accountId: string, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await tx<[ApiTokenRow?]>`
    update api_tokens set revoked_at = now() where account_id = ${accountId} and id = ${id} and revoked_at is null
    returning ${columns(tx)}`;
  return row;
}
