// Tenant transactions: every query on tenant tables runs inside one, as the insights_app role with the account
// set, so PostgreSQL's row-level security (migration 0002) enforces what each query's `where` also says.
import type { Sql, TransactionSql } from './sql.ts';

/** The role row-level security applies to; superusers and table owners would bypass the policies otherwise. */
export const TENANT_ROLE = 'insights_app';

export class TenancyError extends Error {
  override name = 'TenancyError';
}

/**
 * Runs `fn` in a transaction scoped to `accountId`. Both settings are transaction-local (`set_config(..., true)`),
 * so they end with the transaction and never leak to the next user of the pooled connection.
 */
export async function withAccount<T>(sql: Sql, accountId: string, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  if (!accountId) throw new TenancyError('a tenant transaction needs an account id');
  return sql.begin(async (tx) => {
    await tx`select set_config('app.account_id', ${accountId}, true), set_config('role', ${TENANT_ROLE}, true)`;
    return fn(tx);
  }) as Promise<T>;
}
