// Tenant transactions: every query on tenant tables runs inside one, as the insights_app role with the account
// set, so PostgreSQL's row-level security (migrations 0002, 0003) enforces what each query's `where` also says.
import type { Sql, TransactionSql } from './sql.ts';

/** The role row-level security applies to; superusers and table owners would bypass the policies otherwise. */
export const TENANT_ROLE = 'insights_app';

export class TenancyError extends Error {
  override name = 'TenancyError';
}

/**
 * Runs `fn` in a transaction scoped to `accountId` (and, when given, the signed-in user, whose own memberships and
 * accounts are visible too). The settings are transaction-local (`set_config(..., true)`), so they end with the
 * transaction and never leak to the next user of the pooled connection.
 */
export async function withAccount<T>(sql: Sql, accountId: string, fn: (tx: TransactionSql) => Promise<T>, userId?: string): Promise<T> {
  if (!accountId) throw new TenancyError('a tenant transaction needs an account id');
  return scoped(sql, accountId, userId ?? '', fn);
}

/** A transaction that sees only what belongs to the user: their memberships and their accounts, no account's data. */
export async function withUser<T>(sql: Sql, userId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  if (!userId) throw new TenancyError('a user transaction needs a user id');
  return scoped(sql, '', userId, fn);
}

function scoped<T>(sql: Sql, accountId: string, userId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`
      select set_config('app.account_id', ${accountId}, true),
             set_config('app.user_id', ${userId}, true),
             set_config('role', ${TENANT_ROLE}, true)`;
    return fn(tx);
  }) as Promise<T>;
}
