// New-pattern labels: whether an incident's pattern (its cluster) is new, back after a quiet period, rare or known, as
// of the incident's own created_at. The definition is written once, here, in SQL: one query over a whole account
// (noveltyOf: a large relabel, and the recluster's write in db/clusters.ts) and one statement for the incidents due and
// what they affect (a unification batch), sharing the label and the 720-hour counts; the online assignment and the
// recluster call them in their transactions (activities/), the incident list filters on the stored label and event
// rules match on it.
import type { PendingQuery, Row } from 'postgres';
import { incidentConditions, type IncidentFilter } from './incident-filter.ts';
import type { TransactionSql } from './sql.ts';

export const NOVELTIES = ['new', 'back', 'rare', 'known'] as const;
export type Novelty = (typeof NOVELTIES)[number];

/** "The last 30 days", exactly: 720 hours (not calendar days, which daylight saving time would stretch). */
export const NOVELTY_WINDOW_HOURS = 720;
/** A pattern is rare while its incidents are at most 1 in 20 (5%) of the account's, in the window. */
export const RARE_ONE_IN = 20;

/**
 * Labels the account's incidents that are due, and those after them whose labels their arrival or move changes;
 * returns how many rows changed. For an incident `i` of cluster `c` created at `t`:
 *
 * - **new**: no incident of `c` was created before `t` (none ever: so none in the 30 days before either);
 * - **back**: there was one, but the latest (`novelty_previous_at`) is more than 720 hours before `t`;
 * - **rare**: `c` has had incidents within the 720 hours before `t`, and its incidents created in `[t − 720 h, t]`
 *   are at most 5% of all the account's incidents created in that window (both counts include `i` itself and any
 *   created at the same instant);
 * - **known**: otherwise; **null** (pending) while `i` is in no cluster.
 *
 * Only incidents created before (or with) `t` count, so a history imported at once gets the labels its incidents
 * would have had one by one on arrival. Due rows (`novelty_due`) are those whose cluster differs from the one their
 * label was computed for (`novelty_cluster_id`): just placed, or moved by a recluster. What their arrival or move can
 * change: in each cluster they joined or left, the incidents of the 720 hours after (their 30-day count moved) and the
 * first one after that (its previous sighting may have been the moved one); and, for rows labelled for the first
 * time, every incident of the 720 hours after them (their 30-day total grew). Incidents arriving in time order make
 * all of that just the batch itself, labelled by one targeted statement. From NOVELTY_WHOLE_ACCOUNT_FROM due rows on
 * (a writer that moved many incidents without their labels, the first labelling of a large history) the whole account
 * is labelled in one pass instead (one per call), writing at most NOVELTY_WHOLE_ACCOUNT_WRITE due rows (`chunk` when
 * given) and leaving the rest due for the next call; `wholeAccount` makes that pass whatever is due (without `chunk`,
 * writing every row that changes). Chunks of the targeted statement go on while rows are due, for at most `budgetMs`.
 */
export async function labelIncidentNovelty(
  tx: TransactionSql,
  accountId: string,
  options: { chunk?: number; budgetMs?: number; wholeAccount?: boolean } = {},
): Promise<number> {
  const chunk = options.chunk ?? NOVELTY_CHUNK;
  const deadline = Date.now() + (options.budgetMs ?? NOVELTY_BUDGET_MS);
  // The planner cannot know how few rows are due, so it costs the statement as if much of the account were, and the
  // server's JIT then spent about a second compiling it for a batch of a hundred incidents (measured): off while
  // labelling, and back as it was after.
  const [{ jit }] = await tx<[{ jit: string }]>`select current_setting('jit') as jit`;
  await tx`select set_config('jit', 'off', true)`;
  let changed = 0;
  for (;;) {
    const [{ due }] = await tx<[{ due: boolean }]>`select exists (select 1 from incidents where account_id = ${accountId} and novelty_due) as due`;
    if (!due && !options.wholeAccount) break;
    if (options.wholeAccount ?? (await manyDue(tx, accountId))) {
      // One pass per call: each reads the whole account, about 7 s at 1M incidents before it writes anything.
      changed += await labelAll(tx, accountId, options.chunk ?? (options.wholeAccount ? Infinity : NOVELTY_WHOLE_ACCOUNT_WRITE));
      break;
    }
    changed += await labelDue(tx, accountId, chunk);
    if (Date.now() >= deadline) break;
  }
  await tx`select set_config('jit', ${jit}, true)`;
  return changed;
}

/**
 * Due rows the targeted statement takes at a time, oldest first. Fewer than NOVELTY_WHOLE_ACCOUNT_FROM are due when it
 * runs, so one chunk takes them all unless a caller asks for smaller ones.
 */
const NOVELTY_CHUNK = 20_000;
/**
 * How long one call keeps labelling chunks of the targeted statement; what is left stays due for the next batch or
 * recluster. Labels never depend on other labels, so a part is as right as the whole.
 */
const NOVELTY_BUDGET_MS = 20_000;
/**
 * From this many due rows the whole account is labelled in one pass (labelAll): the targeted statement reads, for each
 * chunk, the clusters its rows touched and the account's incidents around them, so many due rows spread over a long
 * history cost it more than reading everything once. At 1M incidents the pass computes every label in about 7 s;
 * what costs is writing the rows that change (every moved one: about 90 s for 1M on the benchmark's machine).
 */
export const NOVELTY_WHOLE_ACCOUNT_FROM = 20_000;
/**
 * Due rows one pass over the whole account writes at most, oldest first (with every row that is not due whose label
 * changed): about 10 s of writing on the benchmark's machine, so that a unification batch that finds a large history
 * due (the first after migration 0023) stays well inside its activity's 2-minute timeout, and leaves the rest due.
 */
const NOVELTY_WHOLE_ACCOUNT_WRITE = 200_000;

/** Whether so many rows are due that one pass over the whole account is cheaper (an index scan of at most as many entries). */
async function manyDue(tx: TransactionSql, accountId: string): Promise<boolean> {
  const [{ due }] = await tx<[{ due: number }]>`
    select count(*)::int as due from (select 1 from incidents where account_id = ${accountId} and novelty_due limit ${NOVELTY_WHOLE_ACCOUNT_FROM}) d`;
  return due >= NOVELTY_WHOLE_ACCOUNT_FROM;
}

/**
 * The definition, for every incident of the account in one pass (`noveltyOf`), writing the rows whose label or
 * previous sighting changed, and the due ones; returns how many rows changed. Of the due rows, only the `limit` oldest
 * are written (and those created at the same instant as the last): the others stay due, each still to relabel what
 * it affects. Every row that is not due and whose label changed is written, so that no effect of a due row written
 * here is lost (a later incident of a cluster it joined, say).
 */
async function labelAll(tx: TransactionSql, accountId: string, limit: number): Promise<number> {
  const cutoff = Number.isFinite(limit)
    ? tx`(select max(created_at) from (
            select created_at from incidents where account_id = ${accountId} and novelty_due order by created_at limit ${limit}) oldest)`
    : tx`'infinity'::timestamptz`;
  const result = await tx`
    update incidents i set novelty = d.novelty, novelty_previous_at = d.novelty_previous_at, novelty_cluster_id = d.cluster_id
    from (${noveltyOf(tx, tx`(select id, cluster_id, created_at from incidents where account_id = ${accountId}) g`)}) d
    where i.account_id = ${accountId} and i.id = d.id
      and (i.novelty is distinct from d.novelty or i.novelty_previous_at is distinct from d.novelty_previous_at
           or i.novelty_cluster_id is distinct from d.cluster_id)
      and (not i.novelty_due or i.created_at <= ${cutoff})`;
  return result.count;
}

/**
 * The definition over every incident of an account at once, as a query: `grouping` is a from-item holding each of the
 * account's incidents once, with its `id`, `cluster_id` and `created_at` (any other column is passed through); the
 * query adds `novelty` and `novelty_previous_at`. Window functions in time order: per cluster the latest incident
 * strictly before each (a frame ending one microsecond, timestamptz's resolution, before it) and the cluster's
 * incidents of the 720 hours up to it, then the account's incidents of the same 720 hours (`inWindow`). Used for a
 * large relabel (labelAll) and by the recluster's write, which labels the clusters it writes in the same statement
 * (reassignIncidents in db/clusters.ts).
 */
export function noveltyOf(tx: TransactionSql, grouping: PendingQuery<Row[]>): PendingQuery<Row[]> {
  return tx`
    select *, case when cluster_id is not null then previous_at end as novelty_previous_at, ${noveltyCase(tx)} as novelty
    from (
      select *, ${inWindow(tx, tx`order by created_at`)} as total
      from (
        select *, ${inWindow(tx, tx`partition by cluster_id order by created_at`)} as same,
               max(created_at) over (partition by cluster_id order by created_at
                                     range between unbounded preceding and interval '1 microsecond' preceding) as previous_at
        from ${grouping}
      ) per_pattern
    ) per_account`;
}

/** The label, from columns `cluster_id`, `created_at`, `previous_at` (latest earlier sighting), `same` and `total`. */
function noveltyCase(tx: TransactionSql): PendingQuery<Row[]> {
  return tx`
    case
      when cluster_id is null then null
      when previous_at is null then 'new'
      when previous_at < created_at - ${tx`${`${NOVELTY_WINDOW_HOURS} hours`}::interval`} then 'back'
      when same * ${RARE_ONE_IN} <= total then 'rare'
      else 'known'
    end`;
}

/**
 * How many rows of the window's partition were created in the 720 hours up to the current row, both ends included
 * (and so every row created at the same instant): those up to it, less those more than 720 hours before it. Not
 * `count(*) over (... range between '720 hours' preceding and current row)`: a frame whose start moves keeps its rows
 * in a tuplestore read at both ends, and once that outgrew work_mem (about 80,000 incidents in 720 hours) the
 * statement read its temporary file block by block for each row, for minutes (measured at 1M incidents). Frames
 * that start at the partition's start are read in order, spilled or not.
 */
function inWindow(tx: TransactionSql, order: PendingQuery<Row[]>): PendingQuery<Row[]> {
  return tx`(count(*) over (${order} range between unbounded preceding and current row)
             - count(*) over (${order} range between unbounded preceding and ${tx`${`${NOVELTY_WINDOW_HOURS} hours 0.000001 seconds`}::interval`} preceding))`;
}

/** The definition above, for the `limit` oldest due rows and what they affect; returns how many rows changed. */
async function labelDue(tx: TransactionSql, accountId: string, limit: number): Promise<number> {
  const window = tx`${`${NOVELTY_WINDOW_HOURS} hours`}::interval`;
  const result = await tx`
    with due as materialized (
      select id, cluster_id, novelty_cluster_id, created_at from incidents where account_id = ${accountId} and novelty_due
      order by created_at limit ${limit}
    ),
    -- Each cluster an incident joined or left, from the first such moment to 720 hours after the last.
    moved as (
      select cluster_id, min(created_at) as since, max(created_at) + ${window} as until from (
        select cluster_id, created_at from due where cluster_id is not null
        union all
        select novelty_cluster_id, created_at from due where novelty_cluster_id is not null
      ) m group by cluster_id
    ),
    arrived as (
      select min(created_at) as lo, max(created_at) + ${window} as hi from due where novelty_cluster_id is null
    ),
    targets as materialized (
      select id, cluster_id, created_at from due
      union
      select i.id, i.cluster_id, i.created_at from moved m cross join lateral (
        select id, cluster_id, created_at from incidents
        where account_id = ${accountId} and cluster_id = m.cluster_id and created_at between m.since and m.until
      ) i
      union
      -- (One index probe per cluster for the time, then its incidents at that time: as a correlated condition, the
      -- planner tested it against each incident of the cluster, 3.6 s for a batch of 100 at 1M incidents.)
      select i.id, i.cluster_id, i.created_at from moved m
      cross join lateral (
        select min(created_at) as at from incidents where account_id = ${accountId} and cluster_id = m.cluster_id and created_at > m.until
      ) f
      join incidents i on i.account_id = ${accountId} and i.cluster_id = m.cluster_id and i.created_at = f.at
      union
      select i.id, i.cluster_id, i.created_at from arrived a
      join incidents i on i.account_id = ${accountId} and i.created_at between a.lo and a.hi and i.cluster_id is not null
    ),
    span as (
      select min(created_at) - ${window} as lo, max(created_at) as hi from targets
    ),
    -- How many of the account's incidents were created in each target's window: one pass in time order.
    totals as (
      select w.id, w.total from (
        select i.id, ${inWindow(tx, tx`order by i.created_at`)} as total
        -- The span's bounds as values (init plans): the index then gives the incidents in time order, with no sort.
        from incidents i
        where i.account_id = ${accountId} and i.created_at between (select lo from span) and (select hi from span)
      ) w where w.id in (select id from targets)
    ),
    -- Per cluster of a target: its incidents in the window, and the latest one strictly before (within the span).
    patterns as (
      select w.id, w.same, w.previous_at from (
        select i.id,
               ${inWindow(tx, tx`partition by i.cluster_id order by i.created_at`)} as same,
               max(i.created_at) over (partition by i.cluster_id order by i.created_at
                                       range between unbounded preceding and interval '1 microsecond' preceding) as previous_at
        -- Each cluster's incidents of the span from the index (cluster, time), not every incident of each cluster.
        from (select distinct cluster_id from targets where cluster_id is not null) c
        cross join span s
        cross join lateral (
          select id, cluster_id, created_at from incidents
          where account_id = ${accountId} and cluster_id = c.cluster_id and created_at between s.lo and s.hi
        ) i
      ) w where w.id in (select id from targets)
    ),
    labelled as materialized (
      select t.id, t.cluster_id,
             -- The previous sighting before the span (a quiet period longer than the span): one index probe.
             coalesce(p.previous_at, (select max(e.created_at) from incidents e, span s
                                      where e.account_id = ${accountId} and e.cluster_id = t.cluster_id and e.created_at < s.lo)) as previous_at,
             t.created_at, p.same, tt.total
      from targets t
      left join patterns p on p.id = t.id
      left join totals tt on tt.id = t.id
    ),
    decided as materialized (
      select id, cluster_id, case when cluster_id is null then null else previous_at end as previous_at, ${noveltyCase(tx)} as novelty
      from labelled
    )
    update incidents i set novelty = d.novelty, novelty_previous_at = d.previous_at,
      -- Only this chunk's due rows stop being due: a later due row relabelled here as a follower keeps its own effects
      -- on those after it for its chunk.
      novelty_cluster_id = case when d.id in (select id from due) then d.cluster_id else i.novelty_cluster_id end
    from decided d
    -- The ids again as an array: each row is then found through the primary key, whatever the planner believes of
    -- how many there are (a hash join over every incident of the account otherwise).
    where i.account_id = ${accountId} and i.id = any(array(select id from decided)) and i.id = d.id
      and (i.novelty is distinct from d.novelty or i.novelty_previous_at is distinct from d.previous_at
           or (d.id in (select id from due) and i.novelty_cluster_id is distinct from d.cluster_id))`;
  return result.count;
}

export interface NoveltyPatternRow {
  clusterId: string;
  /** The user's name for the pattern, else its label; null when the cluster no longer exists. */
  name: string | null;
  novelty: 'new' | 'back';
  /** The incident that was new or came back (the latest such of its pattern in the range). */
  incidentId: string;
  at: Date;
  previousAt: Date | null;
  /** The pattern's incidents in the range (under the same filter). */
  incidents: number;
}

export interface NoveltySummary {
  /** Incidents in the range per label (`pending`: not labelled yet), under the filter. */
  counts: Record<Novelty | 'pending', number>;
  /** Patterns that were new or came back in the range, the latest first. */
  patterns: NoveltyPatternRow[];
}

/**
 * New and returning patterns among the incidents matching the filter (whose range bounds `created_at`): per pattern
 * its latest `new` or `back` incident, the latest first, with the pattern's name and its count in the range.
 */
export async function noveltySummary(tx: TransactionSql, accountId: string, filter: IncidentFilter, limit: number): Promise<NoveltySummary> {
  const where = tx`i.account_id = ${accountId} ${incidentConditions(tx, filter, 'i')}`;
  const counted = await tx<{ novelty: Novelty | null; n: number }[]>`
    select i.novelty, count(*)::int as n from incidents i where ${where} group by i.novelty`;
  const counts: NoveltySummary['counts'] = { new: 0, back: 0, rare: 0, known: 0, pending: 0 };
  for (const row of counted) counts[row.novelty ?? 'pending'] = row.n;
  const patterns = await tx<NoveltyPatternRow[]>`
    with latest as (
      select distinct on (i.cluster_id) i.cluster_id, i.id, i.novelty, i.created_at, i.novelty_previous_at
      from incidents i
      where ${where} and i.novelty in ('new', 'back')
      order by i.cluster_id, i.created_at desc, i.id desc
    ),
    shown as (select * from latest order by created_at desc, id desc limit ${limit})
    select s.cluster_id as "clusterId", (select coalesce(c.name, c.label) from clusters c where c.account_id = ${accountId} and c.id = s.cluster_id) as name,
           s.novelty, s.id as "incidentId", s.created_at as at, s.novelty_previous_at as "previousAt",
           (select count(*)::int from incidents i where ${where} and i.cluster_id = s.cluster_id) as incidents
    from shown s
    order by s.created_at desc, s.id desc`;
  return { counts, patterns };
}
