// New-pattern labels against real PostgreSQL: each label on crafted histories and at its boundaries (exactly 30 days,
// exactly 5%), histories arriving in any order and clusters moved by a recluster (always equal to an independent model
// of the definition), a history imported through the PagerDuty backfill and clustered by the real worker, the list's
// filter and the dashboard's summary, and row-level security on the new columns.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { reassignIncidents } from '../../db/clusters.ts';
import { labelIncidentNovelty, NOVELTY_WHOLE_ACCOUNT_FROM } from '../../db/incident-novelty.ts';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor } from '../helpers.ts';

const api = useApi({}, { worker: true });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW = 720 * HOUR;
const T0 = Date.parse('2025-01-01T00:00:00Z');

interface Row {
  key: string;
  clusterId: string | null;
  at: number;
}

/** The definition, written independently of the SQL: what each incident's label must be. */
function model(rows: readonly Row[]): Map<string, { novelty: string | null; previousAt: number | null }> {
  // The definition, counted by binary search over sorted times (a scan per row took 11 s at 21,000 rows):
  // previousAt = the latest earlier incident of the same cluster; in the 720 hours up to and including this one,
  // `same` of the cluster's incidents among `inWindow` of all.
  const sorted = (times: number[]) => times.sort((a, b) => a - b);
  const all = sorted(rows.map((r) => r.at));
  const byCluster = new Map<string, number[]>();
  for (const r of rows) {
    if (!r.clusterId) continue;
    const times = byCluster.get(r.clusterId);
    if (times === undefined) byCluster.set(r.clusterId, [r.at]);
    else times.push(r.at);
  }
  for (const times of byCluster.values()) sorted(times);
  // Index of the first time >= t (lower) or > t (upper).
  const bound = (times: readonly number[], t: number, upper: boolean) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (upper ? times[mid]! <= t : times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const between = (times: readonly number[], from: number, to: number) => bound(times, to, true) - bound(times, from, false);
  const labels = new Map<string, { novelty: string | null; previousAt: number | null }>();
  for (const r of rows) {
    if (!r.clusterId) {
      labels.set(r.key, { novelty: null, previousAt: null });
      continue;
    }
    const mine = byCluster.get(r.clusterId)!;
    const before = bound(mine, r.at, false);
    const previousAt = before > 0 ? mine[before - 1]! : null;
    const inWindow = between(all, r.at - WINDOW, r.at);
    const same = between(mine, r.at - WINDOW, r.at);
    const novelty = previousAt === null ? 'new' : previousAt < r.at - WINDOW ? 'back' : same * 20 <= inWindow ? 'rare' : 'known';
    labels.set(r.key, { novelty, previousAt });
  }
  return labels;
}

let owner: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  owner = await signUp(api.app);
  other = await signUp(api.app);
});

/** A fresh account's crafted incidents (cluster and time only), written as the unification would before placing them. */
async function craft(rows: readonly Row[], accountId?: string): Promise<{ accountId: string; ids: Map<string, string> }> {
  const account = accountId ?? (await newAccount());
  if (rows.length > 0) {
    await api.db.admin`
      insert into incidents (account_id, source, external_id, title, severity, status, created_at, observed_at, cluster_id)
      select ${account}, 'csv', r.key, 'Incident ' || r.key, 'P3', 'triggered', r.at, r.at, r.cluster_id
      from jsonb_to_recordset(${api.db.admin.json(rows.map((r) => ({ key: r.key, cluster_id: r.clusterId, at: new Date(r.at).toISOString() })) as never)})
        as r(key text, cluster_id text, at timestamptz)`;
  }
  const stored = await api.db.admin<{ id: string; key: string }[]>`select id::text, external_id as key from incidents where account_id = ${account}`;
  return { accountId: account, ids: new Map(stored.map((s) => [s.key, s.id])) };
}

async function newAccount(): Promise<string> {
  const id = `acct-${randomUUID()}`;
  await api.db.admin`insert into accounts (id, name) values (${id}, 'Crafted')`;
  return id;
}

const label = (accountId: string) => withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId));

async function stored(accountId: string): Promise<Map<string, { novelty: string | null; previousAt: number | null }>> {
  const rows = await api.db.admin<{ key: string; novelty: string | null; previous: Date | null }[]>`
    select external_id as key, novelty, novelty_previous_at as previous from incidents where account_id = ${accountId}`;
  return new Map(rows.map((r) => [r.key, { novelty: r.novelty, previousAt: r.previous?.getTime() ?? null }]));
}

const novelties = async (accountId: string) => new Map([...(await stored(accountId))].map(([k, v]) => [k, v.novelty]));

describe('new-pattern labels on crafted histories', () => {
  it('labels the first incident of a pattern new, the next known, one after more than 30 days back, and one without a cluster pending', async () => {
    const { accountId } = await craft([
      { key: 'a1', clusterId: 'c-a', at: T0 },
      { key: 'a2', clusterId: 'c-a', at: T0 + HOUR },
      { key: 'b1', clusterId: 'c-b', at: T0 + 2 * HOUR },
      { key: 'a3', clusterId: 'c-a', at: T0 + HOUR + 45 * DAY },
      { key: 'x1', clusterId: null, at: T0 + 3 * HOUR },
    ]);
    expect(await label(accountId)).toBe(4);
    const got = await stored(accountId);
    expect(got.get('a1')).toEqual({ novelty: 'new', previousAt: null });
    expect(got.get('a2')).toEqual({ novelty: 'known', previousAt: T0 });
    expect(got.get('b1')).toEqual({ novelty: 'new', previousAt: null });
    // Back after 45 days quiet: the quiet period is the incident's time minus its pattern's previous one.
    expect(got.get('a3')).toEqual({ novelty: 'back', previousAt: T0 + HOUR });
    expect(got.get('x1')).toEqual({ novelty: null, previousAt: null });
    expect(await label(accountId)).toBe(0); // nothing is due any more
  });

  it('counts a pattern seen exactly 30 days (720 hours) before as not quiet, and a millisecond more as back', async () => {
    const { accountId } = await craft([
      { key: 'p1', clusterId: 'c-p', at: T0 },
      { key: 'p2', clusterId: 'c-p', at: T0 + WINDOW },
      { key: 'q1', clusterId: 'c-q', at: T0 },
      { key: 'q2', clusterId: 'c-q', at: T0 + WINDOW + 1 },
    ]);
    await label(accountId);
    const got = await novelties(accountId);
    expect(got.get('p2')).toBe('known');
    expect(got.get('q2')).toBe('back');
  });

  it('labels a pattern rare at exactly 5% of the last 30 days and known just above, the window start included', async () => {
    // 95 incidents of a busy pattern and 5 of a quiet one within 30 days: the quiet one's fifth is 5 of 100 (rare).
    const rows: Row[] = [];
    for (let k = 0; k < 95; k++) rows.push({ key: `busy-${k}`, clusterId: 'c-busy', at: T0 + k * HOUR });
    // The first quiet incident exactly 720 hours before the last one: inside its window.
    const last = T0 + WINDOW;
    rows.push({ key: 'quiet-0', clusterId: 'c-quiet', at: T0 });
    for (let k = 1; k < 4; k++) rows.push({ key: `quiet-${k}`, clusterId: 'c-quiet', at: T0 + 100 * HOUR + k * HOUR });
    rows.push({ key: 'quiet-4', clusterId: 'c-quiet', at: last });
    const { accountId } = await craft(rows);
    await label(accountId);
    let got = await novelties(accountId);
    expect(got.get('quiet-4')).toBe('rare');
    expect(got.get('quiet-0')).toBe('new');
    expect(got.get('busy-94')).toBe('known');

    // One busy incident fewer in the window: 5 of 99 is above 5%, so known. (The earliest busy one moves out.)
    await api.db.admin`update incidents set created_at = created_at - interval '1 hour' where account_id = ${accountId} and external_id = 'busy-0'`;
    await api.db.admin`update incidents set novelty_cluster_id = null where account_id = ${accountId}`;
    await label(accountId);
    got = await novelties(accountId);
    expect(got.get('quiet-4')).toBe('known');
  });

  it('lets a late incident relabel those after it, also when the labelling goes a chunk of due rows at a time', async () => {
    // z arrives first and is new. Then x (another pattern) and y (z's pattern, 20 days before z) arrive late, x
    // oldest; labelled one due row per call, x's turn reaches y (within x's 30 days) but not z: y must still get its
    // own turn, so that z learns it was not new.
    const { accountId } = await craft([{ key: 'z', clusterId: 'c-z', at: T0 + 40 * DAY }]);
    await label(accountId);
    expect((await novelties(accountId)).get('z')).toBe('new');
    await craft(
      [
        { key: 'x', clusterId: 'c-x', at: T0 },
        { key: 'y', clusterId: 'c-z', at: T0 + 20 * DAY },
      ],
      accountId,
    );
    for (let calls = 0; calls < 5; calls++) await withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId, { chunk: 1, budgetMs: 0 }));
    expect(await stored(accountId)).toEqual(
      model([
        { key: 'x', clusterId: 'c-x', at: T0 },
        { key: 'y', clusterId: 'c-z', at: T0 + 20 * DAY },
        { key: 'z', clusterId: 'c-z', at: T0 + 40 * DAY },
      ]),
    );
    expect((await novelties(accountId)).get('z')).toBe('known');
  });

  it('gives a history the same labels whatever order it arrives in, and relabels what a recluster moved', async () => {
    // A seeded random history: 400 incidents over 200 days, 12 patterns of very different sizes, a few unclustered.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const rows: Row[] = Array.from({ length: 400 }, (_, k) => {
      const r = random();
      const cluster = r < 0.03 ? null : `c-${Math.floor(12 * random() ** 3)}`;
      return { key: `h-${k}`, clusterId: cluster, at: T0 + Math.floor(random() * 200 * DAY) };
    });
    // Some at the same instant as another.
    for (let k = 0; k < 10; k++) rows[k + 10]!.at = rows[k]!.at;
    const want = model(rows);

    // At once (a backfill placed by the first recluster).
    const atOnce = await craft(rows);
    await label(atOnce.accountId);
    expect(await stored(atOnce.accountId)).toEqual(want);
    const labels = [...want.values()].map((w) => w.novelty);
    for (const l of ['new', 'back', 'rare', 'known', null]) expect(labels, String(l)).toContain(l);

    // The same history labelled a chunk of 23 due rows at a time, one chunk per call (how a large history, the first
    // after the migration, is labelled across several batches): the same labels.
    const chunked = await craft(rows);
    for (let calls = 0; ; calls++) {
      await withAccount(api.db.sql, chunked.accountId, (tx) => labelIncidentNovelty(tx, chunked.accountId, { chunk: 23, budgetMs: 0 }));
      const [{ due }] = await api.db.admin<[{ due: number }]>`select count(*)::int as due from incidents where account_id = ${chunked.accountId} and novelty_due`;
      if (due === 0) break;
      expect(calls).toBeLessThan(40);
    }
    expect(await stored(chunked.accountId)).toEqual(want);

    // In shuffled batches of 37, each labelled as it is placed (a history whose pages arrive newest first, or
    // anyhow): incidents after each late one are relabelled.
    const shuffled = [...rows].sort(() => random() - 0.5);
    const piecemeal = await newAccount();
    for (let i = 0; i < shuffled.length; i += 37) {
      await craft(shuffled.slice(i, i + 37), piecemeal);
      await label(piecemeal);
    }
    expect(await stored(piecemeal)).toEqual(want);

    // A recluster moves incidents: c-1 merged into c-0, a few taken out into a cluster of their own.
    const moved = rows.map((r, k) => ({ ...r, clusterId: k % 50 === 3 && r.clusterId ? 'c-split' : r.clusterId === 'c-1' ? 'c-0' : r.clusterId }));
    await api.db.admin`update incidents set cluster_id = 'c-0' where account_id = ${piecemeal} and cluster_id = 'c-1'`;
    await api.db.admin`
      update incidents set cluster_id = 'c-split'
      where account_id = ${piecemeal} and cluster_id is not null and external_id = any(${rows.filter((_, k) => k % 50 === 3).map((r) => r.key)}::text[])`;
    await label(piecemeal);
    expect(await stored(piecemeal)).toEqual(model(moved));
  });
});

describe('new-pattern labels in one pass over the account (a recluster, a large relabel)', () => {
  /** A seeded history (mulberry32): `count` incidents over `days`, `patterns` of very different sizes, 3% unclustered. */
  function history(count: number, days: number, patterns: number, seed: number): Row[] {
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const rows: Row[] = Array.from({ length: count }, (_, k) => ({
      key: `h-${k}`,
      clusterId: random() < 0.03 ? null : `c-${Math.floor(patterns * random() ** 3)}`,
      // Whole minutes, so that many incidents share an instant with another.
      at: T0 + Math.floor(random() * days * 24 * 60) * 60_000,
    }));
    // The boundaries: a pattern seen again exactly 720 hours later (not quiet), and one a millisecond more (back).
    rows.push({ key: 'edge-p1', clusterId: 'c-edge-p', at: T0 }, { key: 'edge-p2', clusterId: 'c-edge-p', at: T0 + WINDOW });
    rows.push({ key: 'edge-q1', clusterId: 'c-edge-q', at: T0 }, { key: 'edge-q2', clusterId: 'c-edge-q', at: T0 + WINDOW + 1 });
    // After the rest: a pattern back after a long quiet period, unless the one just before it joins it (mergeAndSplit).
    rows.push({ key: 'x1', clusterId: 'c-x', at: T0 + 100 * DAY }, { key: 'x2', clusterId: 'c-x', at: T0 + (days + 60) * DAY });
    rows.push({ key: 'y1', clusterId: 'c-y', at: T0 + (days + 50) * DAY });
    return rows;
  }
  /** Every clustered incident's new cluster: every fourth pattern merged into the one before, every fifth split in two. */
  const regroup = (r: Row, k: number) =>
    !r.clusterId ? null : /^c-\d+$/.test(r.clusterId) && Number(r.clusterId.slice(2)) % 4 === 1 ? `m-${Number(r.clusterId.slice(2)) - 1}` : Number(r.clusterId.slice(2)) % 5 === 2 && k % 2 === 0 ? `m-${r.clusterId}-s` : `m-${r.clusterId.replace(/^c-/, '')}`;
  /** The same merges and splits, every other pattern keeping its id (its incidents are not due; some labels change). */
  const mergeAndSplit = (r: Row, k: number) =>
    r.clusterId === 'c-y' ? 'c-x' : !r.clusterId || !/^c-\d+$/.test(r.clusterId) ? r.clusterId : Number(r.clusterId.slice(2)) % 4 === 1 ? `c-${Number(r.clusterId.slice(2)) - 1}` : Number(r.clusterId.slice(2)) % 5 === 2 && k % 2 === 0 ? `${r.clusterId}-s` : r.clusterId;
  const recluster = (accountId: string, ids: Map<string, string>, rows: readonly Row[]) =>
    withAccount(api.db.sql, accountId, (tx) =>
      reassignIncidents(
        tx,
        accountId,
        rows.filter((r) => r.clusterId).map((r) => ({ incidentId: ids.get(r.key)!, clusterId: r.clusterId!, template: `Template of ${r.clusterId}` })),
      ),
    );
  const dueIn = async (accountId: string) => {
    const [{ due }] = await api.db.admin<[{ due: number }]>`select count(*)::int as due from incidents where account_id = ${accountId} and novelty_due`;
    return due;
  };

  it('labels a history in one pass over the account as the model says, ties and both boundaries included, before and after clusters moved', async () => {
    const rows = history(600, 200, 12, 3);
    const want = model(rows);
    const { accountId } = await craft(rows);
    await withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId, { wholeAccount: true }));
    expect(await stored(accountId)).toEqual(want);
    const labels = [...want.values()].map((w) => w.novelty);
    for (const l of ['new', 'back', 'rare', 'known', null]) expect(labels, String(l)).toContain(l);
    expect(want.get('edge-p2')?.novelty).not.toBe('back');
    expect(want.get('edge-q2')?.novelty).toBe('back');
    expect(want.get('x2')?.novelty).toBe('back');

    const moved = rows.map((r, k) => ({ ...r, clusterId: mergeAndSplit(r, k) }));
    await api.db.admin`
      update incidents i set cluster_id = m.cluster_id
      from jsonb_to_recordset(${api.db.admin.json(moved.map((r) => ({ key: r.key, cluster_id: r.clusterId })) as never)}) as m(key text, cluster_id text)
      where i.account_id = ${accountId} and i.external_id = m.key`;
    expect(await dueIn(accountId)).toBeGreaterThan(100);
    // Passes that write 50 due rows each, oldest first (as a pass over a large account writes a part at a time):
    // what they write is right at once, and the due rows left relabel what they affect in their turn.
    for (let calls = 0; (await dueIn(accountId)) > 0; calls++) {
      await withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId, { wholeAccount: true, chunk: 50, budgetMs: 0 }));
      expect(calls).toBeLessThan(20);
    }
    expect(await stored(accountId)).toEqual(model(moved));
    expect((await stored(accountId)).get('x2')).toEqual({ novelty: 'known', previousAt: T0 + 250 * DAY });
  });

  it('keeps exactly 5% of the last 30 days rare in one pass, and one incident fewer in the window known', async () => {
    const rows: Row[] = [];
    for (let k = 0; k < 95; k++) rows.push({ key: `busy-${k}`, clusterId: 'c-busy', at: T0 + k * HOUR });
    rows.push({ key: 'quiet-0', clusterId: 'c-quiet', at: T0 });
    for (let k = 1; k < 4; k++) rows.push({ key: `quiet-${k}`, clusterId: 'c-quiet', at: T0 + 100 * HOUR + k * HOUR });
    rows.push({ key: 'quiet-4', clusterId: 'c-quiet', at: T0 + WINDOW });
    const { accountId } = await craft(rows);
    await withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId, { wholeAccount: true }));
    expect(await stored(accountId)).toEqual(model(rows));
    expect((await novelties(accountId)).get('quiet-4')).toBe('rare');
    await api.db.admin`update incidents set created_at = created_at - interval '1 hour' where account_id = ${accountId} and external_id = 'busy-0'`;
    await withAccount(api.db.sql, accountId, (tx) => labelIncidentNovelty(tx, accountId, { wholeAccount: true }));
    expect((await novelties(accountId)).get('quiet-4')).toBe('known');
  });

  it('writes a recluster\'s clusters with their labels: merged and split patterns as the model says, renamed ones unchanged, none left due', async () => {
    const rows = history(600, 200, 12, 5);
    const { accountId, ids } = await craft(rows.map((r) => ({ ...r, clusterId: null })));
    // The first recluster of an account: every incident placed and labelled in the same statement.
    expect(await recluster(accountId, ids, rows)).toBe(rows.filter((r) => r.clusterId).length);
    expect(await stored(accountId)).toEqual(model(rows));
    expect(await dueIn(accountId)).toBe(0);
    expect(await label(accountId)).toBe(0);

    // Merged and split.
    const moved = rows.map((r, k) => ({ ...r, clusterId: regroup(r, k) }));
    await recluster(accountId, ids, moved);
    expect(await stored(accountId)).toEqual(model(moved));
    expect(await dueIn(accountId)).toBe(0);

    // Every cluster renamed: the same labels under the new ids, and nothing left to relabel.
    const renamed = moved.map((r) => ({ ...r, clusterId: r.clusterId && `renamed-${r.clusterId}` }));
    await recluster(accountId, ids, renamed);
    expect(await stored(accountId)).toEqual(model(moved));
    expect(await dueIn(accountId)).toBe(0);
    expect(await label(accountId)).toBe(0);
    const [{ n }] = await api.db.admin<[{ n: number }]>`select count(*)::int as n from incidents where account_id = ${accountId} and cluster_id like 'renamed-%'`;
    expect(n).toBe(renamed.filter((r) => r.clusterId).length);
  });

  it('relabels a large history whose clusters were all renamed in one call, as the model says', async () => {
    // More due incidents than the targeted statement takes at a time: the whole account in one pass.
    const rows = history(NOVELTY_WHOLE_ACCOUNT_FROM + 1000, 300, 30, 11);
    const want = model(rows);
    const { accountId } = await craft(rows);
    expect(await label(accountId)).toBe(rows.filter((r) => r.clusterId).length);
    expect(await dueIn(accountId)).toBe(0);
    expect(await stored(accountId)).toEqual(want);

    // Every cluster renamed by a writer that leaves the labels to labelIncidentNovelty (every incident due): one call
    // relabels them all, and the labels are the same (renaming changes no pattern's incidents).
    await api.db.admin`update incidents set cluster_id = 'renamed-' || cluster_id where account_id = ${accountId} and cluster_id is not null`;
    expect(await dueIn(accountId)).toBe(rows.filter((r) => r.clusterId).length);
    expect(await label(accountId)).toBe(rows.filter((r) => r.clusterId).length);
    expect(await dueIn(accountId)).toBe(0);
    expect(await stored(accountId)).toEqual(want);
  }, 120_000);
});

describe('the filter, the summary and tenancy', () => {
  let accountId: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    // The owner's account: new, known, back and pending incidents in March 2025.
    accountId = owner.accountId;
    const at = (d: number) => Date.parse('2025-03-01T00:00:00Z') + d * DAY;
    const crafted = await craft(
      [
        { key: 'n1', clusterId: 'c-new', at: at(10) },
        { key: 'n2', clusterId: 'c-new', at: at(10.5) },
        { key: 'old', clusterId: 'c-back', at: at(-60) },
        { key: 'b1', clusterId: 'c-back', at: at(12) },
        { key: 'pending', clusterId: null, at: at(13) },
      ],
      accountId,
    );
    for (const [k, v] of crafted.ids) ids.set(k, v);
    await api.db.admin`
      insert into clusters (account_id, id, name, label, template, size) values
        (${accountId}, 'c-new', null, 'Disk full on {host}', 'Disk full on <HOST>', 2),
        (${accountId}, 'c-back', 'Nightly ETL stalls', 'ETL job <*> stalled', 'ETL job <*> stalled', 2)`;
    await label(accountId);
  });

  const list = async (query: string, who: SignedIn = owner) => {
    const res = await who.call({ method: 'GET', url: `/api/incidents?${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().incidents as { externalId: string; novelty: string | null; patternPreviousAt: string | null }[]).map((i) => i.externalId).sort();
  };

  it('filters the incident list, its count and export by label, pending included, and shows each label', async () => {
    expect(await list('novelty=new')).toEqual(['n1', 'old']);
    expect(await list('novelty=back')).toEqual(['b1']);
    expect(await list('novelty=new&novelty=back')).toEqual(['b1', 'n1', 'old']);
    expect(await list('novelty=pending')).toEqual(['pending']);
    expect(await list('novelty=known&novelty=pending')).toEqual(['n2', 'pending']);
    expect(await list('novelty=new&from=2025-03-01T00:00:00Z')).toEqual(['n1']);
    const count = await owner.call({ method: 'GET', url: '/api/incidents/count?novelty=new&novelty=back' });
    expect(count.json()).toEqual({ count: 3 });
    const back = (await owner.call({ method: 'GET', url: `/api/incidents/${ids.get('b1')}` })).json();
    expect(back).toMatchObject({ novelty: 'back', patternPreviousAt: '2024-12-31T00:00:00.000Z', cluster: { id: 'c-back', label: 'Nightly ETL stalls', size: 2 } });
    const facets = (await owner.call({ method: 'GET', url: '/api/incidents/facets' })).json();
    expect(facets.novelties).toEqual([
      { value: 'new', count: 2 },
      { value: 'back', count: 1 },
      { value: 'known', count: 1 },
      { value: 'pending', count: 1 },
    ]);
    const csv = (await owner.call({ method: 'GET', url: '/api/incidents/export.csv?novelty=back' })).body.trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]!.split(',').slice(-2)).toEqual(['novelty', 'patternPreviousAt']);
    expect(csv[1]!.split(',').slice(-2)).toEqual(['back', '2024-12-31T00:00:00.000Z']);
  });

  it('refuses a label it does not know with 400, naming the field', async () => {
    for (const url of ['/api/incidents?novelty=brand-new', '/api/incidents/count?novelty=NEW', '/api/incident-novelty?novelty=x', '/api/dashboard/summary?novelty=old']) {
      const res = await owner.call({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('invalid_query');
      expect(res.json().error.details.map((d: { field?: string }) => d.field?.split('.')[0])).toContain('novelty');
    }
  });

  it('narrows the dashboard by label as the list does', async () => {
    const res = await owner.call({ method: 'GET', url: '/api/dashboard/summary?novelty=new&novelty=back&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().current.incidents).toBe(2);
  });

  it('summarises new and returning patterns in a range, by name, with their counts', async () => {
    const res = await owner.call({ method: 'GET', url: '/api/incident-novelty?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      range: { from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
      counts: { new: 1, back: 1, rare: 0, known: 1, pending: 1 },
      patterns: [
        { pattern: { id: 'c-back', name: 'Nightly ETL stalls' }, novelty: 'back', incidentId: ids.get('b1'), at: '2025-03-13T00:00:00.000Z', quietDays: 72, incidents: 1 },
        { pattern: { id: 'c-new', name: 'Disk full on {host}' }, novelty: 'new', incidentId: ids.get('n1'), at: '2025-03-11T00:00:00.000Z', quietDays: null, incidents: 2 },
      ],
    });
    // A pattern whose cluster is gone is still listed, with no name.
    await api.db.admin`delete from clusters where account_id = ${accountId} and id = 'c-new'`;
    const gone = (await owner.call({ method: 'GET', url: '/api/incident-novelty?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z' })).json();
    expect(gone.patterns[1].pattern).toEqual({ id: 'c-new', name: null });
    await api.db.admin`insert into clusters (account_id, id, name, label, template, size) values (${accountId}, 'c-new', null, 'Disk full on {host}', 'Disk full on <HOST>', 2)`;
  });

  it('keeps the labels to their account: row-level security on reads, writes and the labelling itself', async () => {
    expect(await list('novelty=new', other)).toEqual([]);
    const seen = await withAccount(api.db.sql, other.accountId, (tx) => tx`select novelty from incidents where account_id = ${accountId}`);
    expect(seen).toHaveLength(0);
    const written = await withAccount(api.db.sql, other.accountId, (tx) => tx`update incidents set novelty = 'rare' where account_id = ${accountId}`);
    expect(written.count).toBe(0);
    // Labelling another account's incidents from this account's transaction touches nothing.
    await api.db.admin`update incidents set novelty_cluster_id = null where account_id = ${accountId}`;
    expect(await withAccount(api.db.sql, other.accountId, (tx) => labelIncidentNovelty(tx, accountId))).toBe(0);
    expect((await novelties(accountId)).get('n1')).toBe('new');
    const [{ due }] = await api.db.admin<[{ due: number }]>`
      select count(*)::int as due from incidents where account_id = ${accountId} and novelty_due`;
    expect(due).toBe(4);
    await label(accountId);
    const summary = (await other.call({ method: 'GET', url: '/api/incident-novelty?from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z' })).json();
    expect(summary.patterns).toEqual([]);
    expect(summary.counts).toEqual({ new: 0, back: 0, rare: 0, known: 0, pending: 0 });
  });
});

describe('labels of an imported history', () => {
  let pd: PagerDutySimulator;
  afterAll(async () => {
    await pd?.close();
  });

  it('labels a history imported through the PagerDuty backfill and clustered by the worker as it would have been on arrival', async () => {
    const TOKEN = 'u+novelty-test-key-01';
    const importer = await signUp(api.app);
    pd = await startPagerDutySimulator({ count: 400, seed: 21, days: 60, tokens: { [TOKEN]: 'user' } });
    const created = await importer.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'pagerduty', name: 'PD', credentials: { apiKey: TOKEN, baseUrl: pd.url }, settings: { history: { days: 61 } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const rows = await waitFor('every imported incident labelled', async () => {
      const found = await api.db.admin<{ key: string; clusterId: string | null; at: Date; novelty: string | null; previous: Date | null }[]>`
        select external_id as key, cluster_id as "clusterId", created_at as at, novelty, novelty_previous_at as previous
        from incidents where account_id = ${importer.accountId}`;
      return found.length === 400 && found.every((r) => r.novelty !== null) ? found : undefined;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    const want = model(rows.map((r) => ({ key: r.key, clusterId: r.clusterId, at: r.at.getTime() })));
    expect(new Map(rows.map((r) => [r.key, { novelty: r.novelty, previousAt: r.previous?.getTime() ?? null }]))).toEqual(want);
    // Every pattern was new once; the rest of an active history is mostly known.
    expect(new Set(rows.filter((r) => r.novelty === 'new').map((r) => r.clusterId))).toEqual(new Set(rows.map((r) => r.clusterId)));
    expect(rows.filter((r) => r.novelty === 'known').length).toBeGreaterThan(rows.length / 2);
  }, 240_000);
});
