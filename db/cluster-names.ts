// What people call a pattern (cluster): the name a user gave it, else its computed label. Every API answer that
// names a cluster by id carries this beside it, so no page has to show a raw id.
import type { TransactionSql } from './sql.ts';

/** A cluster as something else refers to it: `name` null when the cluster no longer exists (merged away, split, gone). */
export interface PatternRef {
  id: string;
  name: string | null;
}

/** The names of these clusters of the account (ids that no longer exist are absent), in one query. */
export async function clusterNames(tx: TransactionSql, accountId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await tx<{ id: string; name: string }[]>`
    select id, coalesce(name, label) as name from clusters where account_id = ${accountId} and id = any(${wanted}::text[])`;
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** `ids` as references with their names, in the same order. */
export const patternRefs = (names: ReadonlyMap<string, string>, ids: readonly string[]): PatternRef[] => ids.map((id) => ({ id, name: names.get(id) ?? null }));
