// In-product feedback (migration 0014): a rating with optional text, the page it was given on and its context.
import type { TransactionSql } from './sql.ts';

export interface FeedbackRow {
  id: string;
  rating: number;
  text: string | null;
  page: string;
  context: Record<string, unknown> | null;
  userId: string;
  /** Null once the person is no longer a member of the account. */
  userEmail: string | null;
  createdAt: Date;
}

export async function insertFeedback(
  tx: TransactionSql,
  row: { id: string; accountId: string; userId: string; rating: number; text: string | null; page: string; context: Record<string, unknown> | null },
): Promise<void> {
  await tx`
    insert into feedback (id, account_id, user_id, rating, text, page, context)
    values (${row.id}, ${row.accountId}, ${row.userId}, ${row.rating}, ${row.text}, ${row.page}, ${row.context === null ? null : tx.json(row.context as never)})`;
}

/** Newest first; `before` is the id of the last entry of the previous page. */
export async function listFeedback(tx: TransactionSql, accountId: string, options: { before?: string; limit: number }): Promise<FeedbackRow[]> {
  return tx<FeedbackRow[]>`
    select f.id, f.rating::int as rating, f.text, f.page, f.context, f.user_id as "userId", u.email as "userEmail", f.created_at as "createdAt"
    from feedback f left join users u on u.id = f.user_id
    where f.account_id = ${accountId}
      ${options.before ? tx`and (f.created_at, f.id) < (select b.created_at, b.id from feedback b where b.account_id = ${accountId} and b.id = ${options.before})` : tx``}
    order by f.created_at desc, f.id desc
    limit ${options.limit}`;
}
