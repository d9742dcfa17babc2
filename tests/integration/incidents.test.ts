// The incidents API against real PostgreSQL: every filter and sort of the list checked against an independent model of
// the fixture, keyset pages that return each row once (ties included), count, CSV export (escaping, formulas, streaming
// and a client that leaves), facets, one incident's detail, bad input, and account isolation.
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor, type TestDatabase } from '../helpers.ts';

const api = useApi({}, { listen: true });
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;
let other: SignedIn;

interface Fixture {
  id: string;
  k: number;
  integrationId: string;
  source: string;
  externalId: string;
  title: string;
  service: string | null;
  team: string | null;
  severity: string;
  status: string;
  /** Microseconds kept: the order and the cursors must not lose them. */
  createdAt: string;
  mtta: number | null;
  mttr: number | null;
  clusterId: string | null;
}

const SPECIAL_TITLES: Record<number, string> = {
  1: 'He said "stop", then, it broke',
  2: 'line one\nline two',
  3: '=HYPERLINK("http://evil.example")',
  4: '+1 for the pager',
  5: '-rf everything',
  6: '@channel disk almost full',
  7: '100% CPU_usage on web',
};

let incidents: Fixture[] = [];
let integrationA: string;
let integrationB: string;
let otherIds: string[] = [];

const micro = (k: number) => {
  // Hours repeat every 20 incidents (ties on created_at); k 40-43 differ only in microseconds.
  if (k >= 40 && k <= 43) return `2025-03-02T10:00:00.12345${k - 40}Z`;
  return `2025-03-01T${String(k % 20).padStart(2, '0')}:00:00.000000Z`;
};

async function insertIncidents(accountId: string, rows: Record<string, unknown>[]): Promise<{ id: string; external_id: string }[]> {
  return db.admin<{ id: string; external_id: string }[]>`
    insert into incidents (account_id, integration_id, source, external_id, title, service, team, severity, status, created_at,
                           acknowledged_at, resolved_at, observed_at, cluster_id, timeline, labels, tags, assignees, description)
    select ${accountId}, r.integration_id, r.source, r.external_id, r.title, r.service, r.team, r.severity, r.status, r.created_at,
           r.created_at + r.ack_after * interval '1 second', r.created_at + r.resolve_after * interval '1 second', r.created_at,
           r.cluster_id, coalesce(r.timeline, '[]'), coalesce(r.labels, '{}'), coalesce(r.tags, '{}'), coalesce(r.assignees, '{}'), r.description
    from jsonb_to_recordset(${db.admin.json(rows as never)}) as r(integration_id uuid, source text, external_id text, title text, service text,
      team text, severity text, status text, created_at timestamptz, ack_after integer, resolve_after integer, cluster_id text, timeline jsonb,
      labels jsonb, tags text[], assignees text[], description text)
    returning id::text, external_id`;
}

async function insertIntegration(accountId: string, name: string): Promise<string> {
  const id = randomUUID();
  await db.admin`insert into integrations (id, account_id, kind, name) values (${id}, ${accountId}, 'pagerduty', ${name})`;
  return id;
}

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);
  other = await signUp(app);
  integrationA = await insertIntegration(owner.accountId, 'PD A');
  integrationB = await insertIntegration(owner.accountId, 'PD B');
  await db.admin`
    insert into clusters (account_id, id, name, label, template, size) values
      (${owner.accountId}, 'c-disk', null, 'Disk full on <*>', 'Disk full on <*>', 16),
      (${owner.accountId}, 'c-cpu', 'CPU hogs', 'High CPU on <*>', 'High CPU on <*>', 16),
      (${other.accountId}, 'c-disk', 'Theirs', 'Disk full on <*>', 'Disk full on <*>', 2)`;
  const services = ['api', 'web', 'db', null];
  const teams = ['core', 'edge', null];
  const sources = ['pagerduty', 'opsgenie', 'alertmanager'];
  const statuses = ['triggered', 'acknowledged', 'resolved', 'resolved'];
  const clusters = ['c-disk', 'c-cpu', null];
  const model = Array.from({ length: 48 }, (_, k) => {
    const status = statuses[k % 4]!;
    const clusterId = clusters[k % 3]!;
    return {
      k,
      integrationId: k % 2 === 0 ? integrationA : integrationB,
      source: sources[Math.floor(k / 2) % 3]!,
      externalId: `EXT-${k}`,
      title: SPECIAL_TITLES[k] ?? (clusterId === 'c-disk' ? `Disk full on host-${k}` : clusterId === 'c-cpu' ? `High CPU on host-${k}` : `Latency on route ${k}`),
      service: services[Math.floor(k / 4) % 4]!,
      team: teams[Math.floor(k / 3) % 3]!,
      severity: `P${(k % 5) + 1}`,
      status,
      createdAt: micro(k),
      mtta: status === 'triggered' ? null : (k % 3) * 60,
      mttr: status === 'resolved' ? ((k % 6) + 1) * 600 : null,
      clusterId,
    };
  });
  const inserted = await insertIncidents(
    owner.accountId,
    model.map((m) => ({
      integration_id: m.integrationId,
      source: m.source,
      external_id: m.externalId,
      title: m.title,
      service: m.service,
      team: m.team,
      severity: m.severity,
      status: m.status,
      created_at: m.createdAt,
      ack_after: m.mtta,
      resolve_after: m.mttr,
      cluster_id: m.clusterId,
      ...(m.k === 9
        ? {
            description: 'Disk on host-9 filled up',
            labels: { env: 'prod' },
            tags: ['storage'],
            assignees: ['ana@example.com'],
            timeline: [
              { type: 'triggered', at: '2025-03-01T09:00:00.000Z', actor: 'pagerduty' },
              { type: 'acknowledged', at: '2025-03-01T09:02:00.000Z', actor: 'ana@example.com' },
              { type: 'note', at: '2025-03-01T09:05:00.000Z', actor: 'ana@example.com', message: 'cleaning /var/log' },
              { type: 'resolved', at: '2025-03-01T10:00:00.000Z' },
            ],
          }
        : {}),
    })),
  );
  const idOf = new Map(inserted.map((r) => [r.external_id, r.id]));
  incidents = model.map((m) => ({ ...m, id: idOf.get(m.externalId)! }));

  // Another account: the same titles and external ids, its own integration and cluster ids that collide with ours.
  const theirs = await insertIntegration(other.accountId, 'Theirs');
  otherIds = (
    await insertIncidents(
      other.accountId,
      [0, 1, 3, 9].map((k) => ({
        integration_id: theirs,
        source: 'pagerduty',
        external_id: `EXT-${k}`,
        title: SPECIAL_TITLES[k] ?? `Disk full on host-${k}`,
        service: 'api',
        team: 'core',
        severity: 'P1',
        status: 'resolved',
        created_at: micro(k),
        ack_after: 5,
        resolve_after: 50,
        cluster_id: 'c-disk',
      })),
    )
  ).map((r) => r.id);

  // What the tools sent about incident 9 (integration B), plus look-alikes that are not its own.
  await db.admin`
    insert into raw_events (account_id, integration_id, source, event_key, external_id, received_at, record, payload) values
      (${owner.accountId}, ${integrationB}, 'opsgenie', 'ev-1', 'EXT-9', '2025-03-01T09:00:01Z', '{}', ${db.admin.json({ event: 'triggered' })}),
      (${owner.accountId}, ${integrationB}, 'opsgenie', 'ev-2', 'EXT-9', '2025-03-01T09:02:01Z', '{}', ${db.admin.json({ event: 'acknowledged' })}),
      (${owner.accountId}, ${integrationB}, 'opsgenie', 'ev-3', 'EXT-9', '2025-03-01T10:00:01Z', '{}', null),
      (${owner.accountId}, ${integrationA}, 'opsgenie', 'ev-4', 'EXT-9', '2025-03-01T10:00:02Z', '{}', ${db.admin.json({ event: 'not this one' })}),
      (${other.accountId}, ${theirs}, 'pagerduty', 'ev-5', 'EXT-9', '2025-03-01T10:00:03Z', '{}', ${db.admin.json({ event: 'another account' })})`;
});

// ---- an independent model of the API's semantics, to check the SQL against ----

type Query = Record<string, string | string[]>;
const qs = (query: Query) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) params.append(key, v);
  return params.toString();
};
const list = (v: string | string[] | undefined) => (v === undefined ? undefined : [v].flat());

function matches(i: Fixture, query: Query, except?: string): boolean {
  // `__none__` in a list matches an unset value (a chart's "(none)" group drills down with it).
  const inList = (key: string, value: string | null) => key === except || list(query[key]) === undefined || list(query[key])!.includes(value ?? '__none__');
  const created = Date.parse(i.createdAt);
  return (
    (!query.from || created >= Date.parse(query.from as string)) &&
    (!query.to || created < Date.parse(query.to as string)) &&
    inList('service', i.service) &&
    inList('team', i.team) &&
    inList('source', i.source) &&
    inList('severity', i.severity) &&
    inList('status', i.status) &&
    inList('cluster', i.clusterId) &&
    inList('integration', i.integrationId) &&
    (!query.q || i.title.toLowerCase().includes((query.q as string).toLowerCase()))
  );
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (a: Fixture, b: Fixture) => cmp(b.createdAt, a.createdAt) || cmp(b.id, a.id);
const ORDERS: Record<string, (a: Fixture, b: Fixture) => number> = {
  '-created': newestFirst,
  created: (a, b) => -newestFirst(a, b),
  '-severity': (a, b) => cmp(a.severity, b.severity) || newestFirst(a, b),
  '-mttr': (a, b) => cmp(b.mttr ?? -1, a.mttr ?? -1) || newestFirst(a, b),
  '-mtta': (a, b) => cmp(b.mtta ?? -1, a.mtta ?? -1) || newestFirst(a, b),
};
const expected = (query: Query, sort = '-created') => incidents.filter((i) => matches(i, query)).sort(ORDERS[sort]).map((i) => i.id);

async function allPages(user: SignedIn, query: Query, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await user.call({ method: 'GET', url: `/api/incidents?${qs({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) })}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { incidents: { id: string }[]; nextCursor: string | null };
    ids.push(...body.incidents.map((i) => i.id));
    cursor = body.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { ids, pages };
}

/** RFC 4180, enough for the export: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 1);
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) row.push(cell), rows.push(row);
  return rows;
}

const FILTERS: Query[] = [
  { from: '2025-03-01T05:00:00Z', to: '2025-03-01T12:00:00Z' },
  { from: '2025-03-02T10:00:00.123452Z' },
  { service: 'api' },
  { service: ['api', 'web'] },
  { service: '__none__' },
  { service: ['web', '__none__'], team: ['core', '__none__'] },
  { cluster: '__none__' },
  { team: 'core' },
  { source: 'opsgenie' },
  { severity: ['P1', 'P2'] },
  { status: 'resolved' },
  { cluster: 'c-disk' },
  { integration: '' }, // replaced by integration A below
  { q: 'DISK' },
  { q: '%' },
  { q: 'cpu_' },
  { service: ['api', 'db'], severity: ['P1', 'P3', 'P5'], status: ['resolved', 'acknowledged'], from: '2025-03-01T02:00:00Z' },
  { team: 'edge', cluster: ['c-disk', 'c-cpu'], source: ['pagerduty', 'alertmanager'] },
  { severity: 'P4', q: 'host' },
];

describe('incident list', () => {
  it('pages through every sort with small pages, returning each incident once and in order, ties and microseconds included', async () => {
    // The fixture has ties on created_at (every 20th hour), on MTTA and MTTR, and times a microsecond apart.
    expect(new Set(incidents.map((i) => i.createdAt)).size).toBeLessThan(incidents.length);
    for (const sort of Object.keys(ORDERS)) {
      const { ids, pages } = await allPages(owner, { sort }, 7);
      expect(ids, sort).toEqual(expected({}, sort));
      expect(pages).toBe(Math.ceil(incidents.length / 7));
    }
  });

  it('keeps keyset pages exact under filters, in every sort', async () => {
    const query: Query = { severity: ['P2', 'P4'], service: ['api', 'web', 'db'] };
    for (const sort of Object.keys(ORDERS)) expect((await allPages(owner, { ...query, sort }, 3)).ids, sort).toEqual(expected(query, sort));
  });

  it('narrows by every filter, ANDs combinations, and counts the same incidents', async () => {
    for (const given of FILTERS) {
      const query = 'integration' in given ? { integration: integrationA } : given;
      const want = expected(query);
      expect(want.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(want.length, JSON.stringify(query)).toBeLessThan(incidents.length);
      expect((await allPages(owner, query, 200)).ids, JSON.stringify(query)).toEqual(want);
      const count = await owner.call({ method: 'GET', url: `/api/incidents/count?${qs(query)}` });
      expect(count.statusCode, count.body).toBe(200);
      expect(count.json(), JSON.stringify(query)).toEqual({ count: want.length });
    }
    // The list's former spelling still narrows by integration.
    expect((await allPages(owner, { integrationId: integrationB }, 200)).ids).toEqual(expected({ integration: integrationB }));
  });

  it('returns summaries with the cluster label (a given name wins) and ISO times', async () => {
    const body = (await owner.call({ method: 'GET', url: `/api/incidents?${qs({ cluster: ['c-disk', 'c-cpu'], limit: '200' })}` })).json();
    const byId = new Map(incidents.map((i) => [i.id, i]));
    for (const row of body.incidents) {
      const model = byId.get(row.id)!;
      expect(row).toMatchObject({ title: model.title, severity: model.severity, status: model.status, clusterId: model.clusterId, mttaSeconds: model.mtta, mttrSeconds: model.mttr });
      expect(row.clusterLabel).toBe(model.clusterId === 'c-cpu' ? 'CPU hogs' : 'Disk full on <*>');
      expect(row.createdAt).toBe(new Date(model.createdAt).toISOString());
    }
  });

  it('refuses bad parameters with 400 naming the field', async () => {
    const first = (await owner.call({ method: 'GET', url: '/api/incidents?sort=-severity&limit=2' })).json();
    const cases: [string, string][] = [
      ['/api/incidents?severity=P9', 'severity'],
      ['/api/incidents?status=sleeping', 'status'],
      ['/api/incidents?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z', 'from'],
      ['/api/incidents?from=yesterday', 'from'],
      ['/api/incidents?sort=title', 'sort'],
      ['/api/incidents?limit=0', 'limit'],
      ['/api/incidents?limit=201', 'limit'],
      ['/api/incidents?integration=not-a-uuid', 'integration'],
      ['/api/incidents?cursor=garbage!', 'cursor'],
      [`/api/incidents?cursor=${Buffer.from(JSON.stringify(['-created', '2025-01-01T00:00:00Z', 'x'])).toString('base64url')}`, 'cursor'],
      [`/api/incidents?cursor=${Buffer.from(JSON.stringify(['-created', '2025-01-01T00:00:00.000000Z', randomUUID(), 'extra'])).toString('base64url')}`, 'cursor'],
      [`/api/incidents?sort=-mttr&cursor=${Buffer.from(JSON.stringify(['-mttr', '2025-01-01T00:00:00.000000Z', randomUUID(), -5])).toString('base64url')}`, 'cursor'],
      // A cursor made for one sort is refused by another.
      [`/api/incidents?sort=-created&cursor=${first.nextCursor}`, 'cursor'],
      ['/api/incidents?colour=red', 'colour'],
      ['/api/incidents/count?severity=P0', 'severity'],
      ['/api/incidents/count?sort=-created', 'sort'],
      ['/api/incidents/facets?from=2025-03-02T00:00:00Z&to=2025-03-02T00:00:00Z', 'from'],
      ['/api/incidents/export.csv?sort=nope', 'sort'],
      ['/api/incidents/not-a-uuid', 'id'],
    ];
    for (const [url, field] of cases) {
      const res = await owner.call({ method: 'GET', url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      const error = res.json().error;
      expect(error.code, url).toMatch(/^invalid_(query|params)$/);
      expect(error.details.map((d: { field?: string }) => d.field?.split('.')[0]), url).toContain(field);
    }
  });

  it('needs a signed-in caller', async () => {
    for (const url of ['/api/incidents', '/api/incidents/count', '/api/incidents/facets', '/api/incidents/export.csv', `/api/incidents/${incidents[0]!.id}`]) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});

describe('incident export', () => {
  it('streams every matching incident as CSV with a header, RFC 4180 escaping and formulas neutralised', async () => {
    const res = await owner.call({ method: 'GET', url: '/api/incidents/export.csv?sort=created' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="incidents-\d{4}-\d{2}-\d{2}\.csv"$/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual([
      'id', 'createdAt', 'title', 'service', 'team', 'severity', 'status', 'source', 'integrationId', 'externalId', 'acknowledgedAt',
      'resolvedAt', 'mttaSeconds', 'mttrSeconds', 'clusterId', 'clusterLabel', 'url', 'novelty', 'patternPreviousAt',
    ]);
    expect(rows.map((r) => r[0])).toEqual(expected({}, 'created'));
    const titleOf = (k: number) => rows.find((r) => r[0] === incidents[k]!.id)![2];
    expect(titleOf(1)).toBe('He said "stop", then, it broke');
    expect(titleOf(2)).toBe('line one\nline two');
    expect(titleOf(3)).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(titleOf(4)).toBe("'+1 for the pager");
    expect(titleOf(5)).toBe("'-rf everything");
    expect(titleOf(6)).toBe("'@channel disk almost full");
    // The raw text shows the quoting itself, not only what a parser makes of it.
    expect(res.body).toContain('"He said ""stop"", then, it broke"');
    expect(res.body).toContain('"line one\nline two"');
    const row9 = rows.find((r) => r[0] === incidents[9]!.id)!;
    expect(row9.slice(3, 16)).toEqual(['db', 'core', 'P5', 'acknowledged', 'opsgenie', integrationB, 'EXT-9', '2025-03-01T09:00:00.000Z', '', '0', '', 'c-disk', 'Disk full on <*>']);
  });

  it('exports only what the filter matches, in the sort asked for', async () => {
    const query: Query = { severity: ['P1', 'P3'], status: 'resolved' };
    const res = await owner.call({ method: 'GET', url: `/api/incidents/export.csv?${qs({ ...query, sort: '-mttr' })}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(parseCsv(res.body).slice(1).map((r) => r[0])).toEqual(expected(query, '-mttr'));
  });

  it('ends the export and frees its database connection when the client goes away mid-stream', async () => {
    const big = await signUp(app);
    await db.admin`
      insert into incidents (account_id, source, external_id, title, severity, status, created_at, observed_at, description)
      select ${big.accountId}, 'webhook', 'big-' || g, 'Bulk incident ' || g || ' ' || repeat('x', 200), 'P3', 'triggered',
             timestamptz '2025-01-01' + g * interval '1 minute', now(), null
      from generate_series(1, 40000) as g`;
    const inExport = async () => (await db.admin<[{ n: number }]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'insights-test' and query like '%createdAtExact%' and state <> 'idle'`)[0].n;

    const firstBytes = await new Promise<{ status: number; abort: () => void; firstChunk: string }>((resolve, reject) => {
      const req = httpRequest(`${api.baseUrl}/api/incidents/export.csv`, { headers: { authorization: `Bearer ${big.token}` } }, (res) => {
        res.once('data', (chunk: Buffer) => {
          res.pause(); // a client that stops reading: the server must wait, not buffer the rest
          resolve({ status: res.statusCode ?? 0, firstChunk: chunk.toString('utf8'), abort: () => req.destroy() });
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') || err.message.includes('aborted') ? undefined : reject(err)));
      req.end();
    });
    try {
      expect(firstBytes.status).toBe(200);
      expect(firstBytes.firstChunk.startsWith('id,createdAt,title')).toBe(true);
      // Held open by the paused client, the export is inside its transaction (the header can go out before the query
      // starts, so this waits for it rather than looking once).
      await waitFor('the export query to run', async () => ((await inExport()) === 1 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    } finally {
      // Even when a check above fails: a paused client left connected would hold the export, and the app's close, open.
      firstBytes.abort();
    }
    await waitFor('the export transaction to end', async () => ((await inExport()) === 0 ? true : undefined), { timeoutMs: 15_000, intervalMs: 100 });
    const [{ stuck }] = await db.admin<[{ stuck: number }]>`
      select count(*)::int as stuck from pg_stat_activity
      where datname = current_database() and application_name = 'insights-test' and state like 'idle in transaction%'`;
    expect(stuck).toBe(0);
    // The pool is whole: a complete export of the same account still works afterwards.
    const count = (await big.call({ method: 'GET', url: '/api/incidents/count' })).json().count;
    expect(count).toBe(40000);
    const full = await big.call({ method: 'GET', url: '/api/incidents/export.csv?q=Bulk%20incident%201234%20' });
    expect(parseCsv(full.body)).toHaveLength(2);
  });
});

describe('incident facets', () => {
  const facetModel = (query: Query) => {
    const count = (key: string, field: (i: Fixture) => string | null) => {
      const counts = new Map<string, number>();
      for (const i of incidents) if (matches(i, query, key) && field(i) !== null) counts.set(field(i)!, (counts.get(field(i)!) ?? 0) + 1);
      return [...counts].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || cmp(a.value, b.value));
    };
    return {
      services: count('service', (i) => i.service),
      teams: count('team', (i) => i.team),
      sources: count('source', (i) => i.source),
      severities: count('severity', (i) => i.severity),
      statuses: count('status', (i) => i.status),
      // The fixture's incidents were written without the unification, so none has a new-pattern label yet.
      novelties: count('novelty', () => 'pending'),
      clusters: count('cluster', (i) => i.clusterId).map((c) => ({ id: c.value, label: c.value === 'c-cpu' ? 'CPU hogs' : 'Disk full on <*>', count: c.count })),
    };
  };

  it('counts each field’s values among the matching incidents, most frequent first', async () => {
    const res = await owner.call({ method: 'GET', url: '/api/incidents/facets' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(facetModel({}));
    expect(res.json().severities.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(incidents.length);
  });

  it('counts a field under every filter but its own, so chosen values keep their neighbours', async () => {
    for (const query of [{ service: 'api' }, { service: ['api', 'web'], severity: ['P1', 'P2'], q: 'host' }, { status: 'resolved', cluster: 'c-cpu', from: '2025-03-01T03:00:00Z' }] as Query[]) {
      const res = await owner.call({ method: 'GET', url: `/api/incidents/facets?${qs(query)}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json(), JSON.stringify(query)).toEqual(facetModel(query));
    }
  });
});

describe('incident detail', () => {
  it('returns the incident with its timeline, raw payloads newest first, cluster and similar incidents', async () => {
    const nine = incidents[9]!;
    const res = await owner.call({ method: 'GET', url: `/api/incidents/${nine.id}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: nine.id,
      title: nine.title,
      externalId: 'EXT-9',
      integrationId: integrationB,
      description: 'Disk on host-9 filled up',
      labels: { env: 'prod' },
      tags: ['storage'],
      assignees: ['ana@example.com'],
      clusterId: 'c-disk',
      clusterLabel: 'Disk full on <*>',
      cluster: { id: 'c-disk', label: 'Disk full on <*>', size: 16 },
    });
    expect(body.timeline).toEqual([
      { type: 'triggered', at: '2025-03-01T09:00:00.000Z', actor: 'pagerduty' },
      { type: 'acknowledged', at: '2025-03-01T09:02:00.000Z', actor: 'ana@example.com' },
      { type: 'note', at: '2025-03-01T09:05:00.000Z', actor: 'ana@example.com', message: 'cleaning /var/log' },
      { type: 'resolved', at: '2025-03-01T10:00:00.000Z' },
    ]);
    // Only its own deliveries (not another integration's or account's with the same external id), newest first.
    expect(body.rawEvents.map((e: { eventKey: string }) => e.eventKey)).toEqual(['ev-3', 'ev-2', 'ev-1']);
    expect(body.rawEvents[1]).toMatchObject({ payload: { event: 'acknowledged' }, receivedAt: '2025-03-01T09:02:01.000Z' });
    expect(body.rawEvents[0].payload).toBeNull();
    const sameCluster = incidents.filter((i) => i.clusterId === 'c-disk' && i.id !== nine.id).sort(newestFirst).slice(0, 10).map((i) => i.id);
    expect(body.similar.map((s: { id: string }) => s.id)).toEqual(sameCluster);
    expect(body.similar).toHaveLength(10);
  });

  it('shows an incident outside any cluster with no cluster and no similar incidents', async () => {
    const lone = incidents.find((i) => i.clusterId === null)!;
    const body = (await owner.call({ method: 'GET', url: `/api/incidents/${lone.id}` })).json();
    expect(body).toMatchObject({ id: lone.id, cluster: null, clusterId: null, clusterLabel: null, similar: [], rawEvents: [], timeline: [] });
  });

  it('answers 404 for an unknown id and for another account’s incident', async () => {
    for (const id of [randomUUID(), otherIds[0]!]) {
      const res = await owner.call({ method: 'GET', url: `/api/incidents/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await other.call({ method: 'GET', url: `/api/incidents/${incidents[9]!.id}` })).statusCode).toBe(404);
  });
});

describe('account isolation', () => {
  it('never lists, counts, exports or facets another account’s incidents', async () => {
    const mine = new Set(incidents.map((i) => i.id));
    const theirs = await allPages(other, {}, 200);
    expect(theirs.ids.sort()).toEqual([...otherIds].sort());
    expect((await allPages(owner, {}, 200)).ids.some((id) => otherIds.includes(id))).toBe(false);
    // Filters that match their rows exactly find nothing of theirs in ours, and the other way round.
    expect((await other.call({ method: 'GET', url: `/api/incidents/count?${qs({ q: 'disk' })}` })).json()).toEqual({ count: 2 });
    expect((await other.call({ method: 'GET', url: `/api/incidents/count?${qs({ integration: integrationA })}` })).json()).toEqual({ count: 0 });
    const exported = parseCsv((await other.call({ method: 'GET', url: '/api/incidents/export.csv' })).body).slice(1).map((r) => r[0]!);
    expect(exported.sort()).toEqual([...otherIds].sort());
    expect(exported.some((id) => mine.has(id))).toBe(false);
    const facets = (await other.call({ method: 'GET', url: '/api/incidents/facets' })).json();
    expect(facets.severities).toEqual([{ value: 'P1', count: 4 }]);
    expect(facets.services).toEqual([{ value: 'api', count: 4 }]);
    expect(facets.clusters).toEqual([{ id: 'c-disk', label: 'Theirs', count: 4 }]);
    // Their similar incidents are theirs alone, though the cluster id is the same as ours.
    const detail = (await other.call({ method: 'GET', url: `/api/incidents/${otherIds[3]}` })).json();
    expect(detail.cluster).toEqual({ id: 'c-disk', label: 'Theirs', size: 2 });
    expect(detail.similar.map((s: { id: string }) => s.id).sort()).toEqual(otherIds.slice(0, 3).sort());
    expect(detail.rawEvents.map((e: { eventKey: string }) => e.eventKey)).toEqual(['ev-5']);
  });
});
