// The runbook library: roles decide who writes, every save is a version guarded by the version it started from,
// versions compare step by step, markdown imports or is refused by line, risks are never saved below the rules, the
// list filters and pages, writes are audited, and nothing crosses accounts.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderRunbookMarkdown } from '../../analysis/runbooks/runbook-markdown.ts';
import type { RunbookStep } from '../../analysis/runbooks/runbook-types.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { fullTeam, useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

type Runbook = {
  id: string;
  title: string;
  description: string;
  tags: string[];
  services: string[];
  clusterIds: string[];
  source: string;
  version: number;
  stepCount: number;
  steps: RunbookStep[];
  markdown: string;
  versions: { version: number; title: string; note: string | null; createdBy: { id: string | null; email: string | null } }[];
  riskRaised?: { step: number; stated: string; risk: string }[];
  updatedBy: { id: string | null; email: string | null };
};

const team = () => fullTeam(app, db);

const step = (title: string, over: Partial<RunbookStep> = {}): RunbookStep => ({
  title,
  command: `kubectl get pods -n ${title.toLowerCase().replace(/\W+/g, '-')}`,
  targetType: 'kubectl',
  explanation: `Why: ${title}`,
  risk: 'read-only',
  ...over,
});

const body = (over: Record<string, unknown> = {}) => ({
  title: 'Checkout latency',
  description: 'When checkout p99 goes above 2 s',
  tags: ['latency', 'checkout'],
  services: ['checkout'],
  clusterIds: ['c-123'],
  steps: [step('Look at the pods'), step('Read the logs', { command: 'kubectl logs deploy/checkout --tail=200' })],
  ...over,
});

async function create(user: SignedIn, over: Record<string, unknown> = {}): Promise<Runbook> {
  const res = await user.call({ method: 'POST', url: '/api/runbooks', payload: body(over) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function save(user: SignedIn, id: string, payload: Record<string, unknown>): Promise<Runbook> {
  const res = await user.call({ method: 'PUT', url: `/api/runbooks/${id}`, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const get = async (user: SignedIn, url: string) => {
  const res = await user.call({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('the library by role', () => {
  it('lets a responder create, edit and delete a runbook, and a viewer only read it', async () => {
    const { responder, viewer, admin } = await team();
    const created = await create(responder);
    expect(created).toMatchObject({
      title: 'Checkout latency',
      tags: ['latency', 'checkout'],
      services: ['checkout'],
      clusterIds: ['c-123'],
      source: 'manual',
      version: 1,
      stepCount: 2,
      riskRaised: [],
      versions: [{ version: 1, createdBy: { id: responder.userId, email: responder.email } }],
    });
    expect(created.steps.map((s) => s.title)).toEqual(['Look at the pods', 'Read the logs']);
    expect(created.markdown).toContain('kubectl logs deploy/checkout --tail=200');

    const read = (await get(viewer, `/api/runbooks/${created.id}`)) as Runbook;
    expect(read).toMatchObject({ id: created.id, version: 1, steps: created.steps });
    expect((await get(viewer, '/api/runbooks')).runbooks.map((r: Runbook) => r.id)).toEqual([created.id]);

    for (const req of [
      { method: 'POST' as const, url: '/api/runbooks', payload: body() },
      { method: 'PUT' as const, url: `/api/runbooks/${created.id}`, payload: { ...body(), baseVersion: 1 } },
      { method: 'DELETE' as const, url: `/api/runbooks/${created.id}` },
      { method: 'POST' as const, url: '/api/runbooks/import', payload: '# A runbook', headers: { 'content-type': 'text/markdown' } },
    ]) {
      const res = await viewer.call(req);
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }

    const edited = await save(admin, created.id, { ...body({ title: 'Checkout latency (p99)' }), baseVersion: 1, note: 'clearer title' });
    expect(edited).toMatchObject({ title: 'Checkout latency (p99)', version: 2, updatedBy: { id: admin.userId, email: admin.email } });
    expect(edited.versions.map((v) => [v.version, v.note])).toEqual([
      [2, 'clearer title'],
      [1, null],
    ]);

    expect((await responder.call({ method: 'DELETE', url: `/api/runbooks/${created.id}` })).statusCode).toBe(204);
    expect((await viewer.call({ method: 'GET', url: `/api/runbooks/${created.id}` })).statusCode).toBe(404);
    expect((await viewer.call({ method: 'GET', url: `/api/runbooks/${created.id}/versions/1` })).statusCode).toBe(404);
    expect((await responder.call({ method: 'DELETE', url: `/api/runbooks/${created.id}` })).statusCode).toBe(404);
    const [left] = await db.admin`select count(*)::int as n from runbook_versions where runbook_id = ${created.id}`;
    expect(left!.n).toBe(0);
  });
});

describe('versions', () => {
  it('keeps every version readable and says what changed between two, step by step', async () => {
    const owner = await signUp(app);
    const steps = [step('Check pods'), step('Read logs'), step('Restart', { command: 'kubectl rollout restart deploy/checkout', risk: 'mutating' })];
    const v1 = await create(owner, { steps, tags: ['checkout', 'latency'] });
    const newSteps = [
      step('Check resource use', { command: 'kubectl top pods -n shop' }),
      steps[0]!,
      { ...steps[1]!, command: 'kubectl logs deploy/checkout --since=10m' },
      { ...steps[2]!, title: 'Roll the deployment' },
    ];
    const v2 = await save(owner, v1.id, { title: 'Checkout slow', description: v1.description, tags: ['checkout', 'p99'], steps: newSteps, baseVersion: 1 });
    expect(v2.version).toBe(2);
    await save(owner, v1.id, { title: 'Checkout slow', steps: [steps[0]!], baseVersion: 2 });

    const old = await get(owner, `/api/runbooks/${v1.id}/versions/1`);
    expect(old).toMatchObject({ runbookId: v1.id, version: 1, title: 'Checkout latency', tags: ['checkout', 'latency'], steps });
    expect(old.markdown).toContain('kubectl rollout restart deploy/checkout');
    expect((await owner.call({ method: 'GET', url: `/api/runbooks/${v1.id}/versions/9` })).statusCode).toBe(404);

    const diff = await get(owner, `/api/runbooks/${v1.id}/diff?from=1&to=2`);
    expect(diff.fields).toEqual([
      { field: 'title', from: 'Checkout latency', to: 'Checkout slow' },
      { field: 'tags', from: ['checkout', 'latency'], to: ['checkout', 'p99'], added: ['p99'], removed: ['latency'] },
    ]);
    expect(diff.steps).toEqual([
      { change: 'added', to: { index: 0, step: newSteps[0] } },
      { change: 'changed', from: { index: 1, step: steps[1] }, to: { index: 2, step: newSteps[2] }, fields: ['command'] },
      { change: 'changed', from: { index: 2, step: steps[2] }, to: { index: 3, step: newSteps[3] }, fields: ['title'] },
    ]);

    // `to` defaults to the current version (3), which dropped all but the first step and the description.
    const toCurrent = await get(owner, `/api/runbooks/${v1.id}/diff?from=2`);
    expect(toCurrent).toMatchObject({ from: 2, to: 3 });
    expect(toCurrent.fields.map((f: { field: string }) => f.field)).toEqual(['description', 'tags']);
    expect(toCurrent.steps.map((s: { change: string; from?: { index: number } }) => [s.change, s.from?.index])).toEqual([
      ['removed', 0],
      ['removed', 2],
      ['removed', 3],
    ]);

    const missing = await owner.call({ method: 'GET', url: `/api/runbooks/${v1.id}/diff?from=1&to=7` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.details[0]).toMatchObject({ field: 'to', in: 'query' });
  });

  it('refuses a save based on a version someone else replaced (409 naming baseVersion) and keeps theirs', async () => {
    const { owner, responder } = await team();
    const rb = await create(owner);
    await save(responder, rb.id, { ...body({ title: 'Responder’s edit' }), baseVersion: 1 });
    const stale = await owner.call({ method: 'PUT', url: `/api/runbooks/${rb.id}`, payload: { ...body({ title: 'Owner’s edit' }), baseVersion: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'conflict', details: [{ field: 'baseVersion', in: 'body' }] });
    expect(stale.json().error.message).toContain(responder.email);
    const now = (await get(owner, `/api/runbooks/${rb.id}`)) as Runbook;
    expect(now).toMatchObject({ title: 'Responder’s edit', version: 2 });
    // Two saves from the same base at once: exactly one wins.
    const both = await Promise.all(
      [owner, responder].map((u, i) => u.call({ method: 'PUT', url: `/api/runbooks/${rb.id}`, payload: { ...body({ title: `Race ${i}` }), baseVersion: 2 } })),
    );
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(((await get(owner, `/api/runbooks/${rb.id}`)) as Runbook).versions.map((v) => v.version)).toEqual([3, 2, 1]);
  });
});

describe('import from markdown', () => {
  const importing = (user: SignedIn, markdown: string, contentType = 'text/markdown') =>
    user.call({ method: 'POST', url: '/api/runbooks/import', payload: markdown, headers: { 'content-type': contentType } });

  it('creates a runbook from a markdown file, settling risks, and renders it back the same way', async () => {
    const owner = await signUp(app);
    const markdown = [
      '# Payments worker stuck',
      '',
      'Tags: payments, kubernetes',
      '',
      'When the queue depth grows and the worker stops acknowledging.',
      '',
      '## Check the pods',
      '',
      'Risk: read-only',
      'Target: kubectl',
      '',
      'Look for restarts.',
      '',
      '```bash',
      'kubectl get pods -n payments',
      '```',
      '',
      '## Remove the stuck pod',
      '',
      'Risk: read-only',
      '',
      '```bash',
      'kubectl delete pod payments-worker-0 -n payments',
      '```',
      '',
      '## Count the backlog',
      '',
      '```sql',
      'select count(*) from jobs where state = \'queued\'',
      '```',
    ].join('\n');
    const res = await importing(owner, markdown);
    expect(res.statusCode, res.body).toBe(201);
    const rb = res.json() as Runbook;
    expect(rb).toMatchObject({
      title: 'Payments worker stuck',
      description: 'When the queue depth grows and the worker stops acknowledging.',
      tags: ['payments', 'kubernetes'],
      source: 'import',
      version: 1,
    });
    expect(rb.steps).toEqual([
      { title: 'Check the pods', command: 'kubectl get pods -n payments', targetType: 'kubectl', explanation: 'Look for restarts.', risk: 'read-only' },
      { title: 'Remove the stuck pod', command: 'kubectl delete pod payments-worker-0 -n payments', targetType: 'shell', explanation: '', risk: 'destructive' },
      { title: 'Count the backlog', command: "select count(*) from jobs where state = 'queued'", targetType: 'sql', explanation: '', risk: 'read-only' },
    ]);
    // A ```bash fence says shell; only the stated `Target:` says kubectl. The rules still see the kubectl command.
    // What the library renders imports to the same runbook: an export is a backup.
    const again = await importing(owner, rb.markdown);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ title: rb.title, description: rb.description, tags: rb.tags, steps: rb.steps, markdown: rb.markdown });
    expect((await get(owner, '/api/runbooks?q=payments')).runbooks).toHaveLength(2);
  });

  it('refuses a file it cannot read, naming the line and the step, and stores nothing', async () => {
    const owner = await signUp(app);
    const noCommand = ['# Title', '', '## First', '', '```', 'uptime', '```', '', '## Second', '', 'Just words, no command.'].join('\n');
    const refused = await importing(owner, noCommand);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'invalid_markdown', details: [{ field: 'line 9 (step 2)', in: 'body' }] });
    expect(refused.json().error.message).toMatch(/^line 9: step 2 \("Second"\) has no command/);

    const badRisk = await importing(owner, ['# Title', '## Only', 'Risk: harmless', '```', 'uptime', '```'].join('\n'));
    expect(badRisk.json().error).toMatchObject({ code: 'invalid_markdown', details: [{ field: 'line 2 (step 1)' }] });

    const noTitle = await importing(owner, '\n\nJust some text\n');
    expect(noTitle.json().error).toMatchObject({ code: 'invalid_markdown', details: [{ field: 'line 3' }] });
    expect((await importing(owner, '# Title only\n\nNothing to do.')).json().error.code).toBe('invalid_markdown');

    // Read, but over a limit a typed-in runbook has too.
    const longTitle = await importing(owner, `# ${'x'.repeat(201)}\n\n## Step\n\n\`\`\`\nuptime\n\`\`\`\n`);
    expect(longTitle.json().error).toMatchObject({ code: 'invalid_body', details: [{ field: 'title', in: 'body' }] });

    expect((await importing(owner, JSON.stringify({ title: 'x' }), 'application/json')).statusCode).toBe(415);
    expect((await get(owner, '/api/runbooks')).runbooks).toEqual([]);
  });
});

describe('risk on save', () => {
  it('raises a step’s stated risk to what its command’s rules say, and never lowers one', async () => {
    const owner = await signUp(app);
    const rb = await create(owner, {
      steps: [
        step('Delete the stuck pod', { command: 'kubectl delete pod checkout-7f9c -n shop', risk: 'read-only' }),
        step('Look again', { command: 'kubectl get pods -n shop', risk: 'mutating' }),
        step('Restart', { command: 'systemctl restart nginx', targetType: 'systemctl', risk: 'read-only' }),
      ],
    });
    expect(rb.steps.map((s) => s.risk)).toEqual(['destructive', 'mutating', 'mutating']);
    expect(rb.riskRaised).toEqual([
      { step: 0, stated: 'read-only', risk: 'destructive' },
      { step: 2, stated: 'read-only', risk: 'mutating' },
    ]);
    const edited = await save(owner, rb.id, { ...body(), steps: [step('Drop it', { command: 'psql -c "drop table sessions"', targetType: 'sql', risk: 'mutating' })], baseVersion: 1 });
    expect(edited.steps[0]!.risk).toBe('destructive');
    expect((await get(owner, `/api/runbooks/${rb.id}/versions/2`)).steps[0].risk).toBe('destructive');
  });
});

describe('validation', () => {
  const refused = async (user: SignedIn, payload: unknown, method: 'POST' | 'PUT' = 'POST', url = '/api/runbooks') => {
    const res = await user.call({ method, url, payload: payload as Record<string, unknown> });
    expect(res.statusCode, res.body).toBe(400);
    return (res.json().error.details as { field?: string; in: string }[]).map((d) => d.field);
  };

  it('names the offending field of a runbook or a step', async () => {
    const owner = await signUp(app);
    expect(await refused(owner, body({ title: '' }))).toContain('title');
    expect(await refused(owner, body({ title: 'x'.repeat(201) }))).toContain('title');
    expect(await refused(owner, body({ steps: [] }))).toContain('steps');
    expect(await refused(owner, body({ steps: Array.from({ length: 51 }, (_, i) => step(`s${i}`)) }))).toContain('steps');
    expect(await refused(owner, body({ steps: [step('a'), step('b', { risk: 'harmless' as never })] }))).toContain('steps.1.risk');
    expect(await refused(owner, body({ steps: [step('a', { targetType: 'powershell' as never })] }))).toContain('steps.0.targetType');
    expect(await refused(owner, body({ steps: [step('a', { command: 'x'.repeat(4001) })] }))).toContain('steps.0.command');
    expect(await refused(owner, body({ steps: [step('a', { explanation: 'x'.repeat(4001) })] }))).toContain('steps.0.explanation');
    expect(await refused(owner, body({ steps: [step('x'.repeat(201))] }))).toContain('steps.0.title');
    const { command: _, ...noCommand } = step('a');
    expect(await refused(owner, body({ steps: [noCommand] }))).toContain('steps.0.command');
    expect(await refused(owner, body({ steps: [{ ...step('a'), shell: 'bash' }] }))).toContain('steps.0.shell');
    expect(await refused(owner, body({ tags: ['a', 'a'] }))).toContain('tags');
    expect(await refused(owner, body({ tags: [' padded'] }))).toContain('tags.0');
    const rb = await create(owner);
    expect(await refused(owner, body(), 'PUT', `/api/runbooks/${rb.id}`)).toContain('baseVersion');
    const page = await owner.call({ method: 'GET', url: '/api/runbooks?limit=500' });
    expect(page.statusCode).toBe(400);
    expect(page.json().error.details[0]).toMatchObject({ field: 'limit', in: 'query' });
    const cursor = await owner.call({ method: 'GET', url: '/api/runbooks?cursor=bm9wZQ' });
    expect(cursor.json().error.details[0]).toMatchObject({ field: 'cursor', in: 'query' });
  });
});

describe('the list', () => {
  it('filters by words, tag, service and cluster, and pages newest first without repeats', async () => {
    const owner = await signUp(app);
    const a = await create(owner, { title: 'Postgres replication lag', description: 'Replica behind primary', tags: ['db'], services: ['orders'], clusterIds: ['c-pg'] });
    const b = await create(owner, { title: 'Disk full', description: 'When POSTGRES runs out of disk', tags: ['db', 'disk'], services: ['billing'], clusterIds: [] });
    const c = await create(owner, { title: 'Pod crashloop 100%_sure', description: '', tags: ['k8s'], services: ['orders'], clusterIds: ['c-k8s', 'c-pg'] });
    const ids = async (query: string) => ((await get(owner, `/api/runbooks${query}`)).runbooks as Runbook[]).map((r) => r.id);

    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?q=postgres')).toEqual([b.id, a.id]);
    expect(await ids('?q=postgres%20DISK')).toEqual([b.id]);
    expect(await ids('?q=100%25_')).toEqual([c.id]);
    expect(await ids('?q=_')).toEqual([c.id]);
    expect(await ids('?tag=db')).toEqual([b.id, a.id]);
    expect(await ids('?tag=DB')).toEqual([]);
    expect(await ids('?service=orders')).toEqual([c.id, a.id]);
    expect(await ids('?cluster=c-pg')).toEqual([c.id, a.id]);
    expect(await ids('?cluster=c-pg&tag=k8s&service=orders')).toEqual([c.id]);

    // An edit moves a runbook to the top.
    await save(owner, a.id, { title: a.title, description: a.description, tags: a.tags, services: a.services, clusterIds: a.clusterIds, steps: a.steps, baseVersion: 1 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { runbooks: Runbook[]; nextCursor: string | null } = await get(owner, `/api/runbooks?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.runbooks.length).toBe(1);
      seen.push(page.runbooks[0]!.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([a.id, c.id, b.id]);
    const two = await get(owner, '/api/runbooks?limit=2&tag=db');
    expect(two.runbooks.map((r: Runbook) => r.id)).toEqual([a.id, b.id]);
    expect(two.nextCursor).toBeNull();
  });
});

describe('audit and isolation', () => {
  it('writes an audit entry for every create, edit, import and delete', async () => {
    const owner = await signUp(app);
    const rb = await create(owner);
    await save(owner, rb.id, { ...body(), baseVersion: 1 });
    const imported = await owner.call({ method: 'POST', url: '/api/runbooks/import', payload: renderRunbookMarkdown({ title: 'Imported', description: '', tags: [], steps: [step('One')] }), headers: { 'content-type': 'text/markdown' } });
    expect(imported.statusCode, imported.body).toBe(201);
    expect((await owner.call({ method: 'DELETE', url: `/api/runbooks/${rb.id}` })).statusCode).toBe(204);
    const entries = (await get(owner, '/api/audit?action=runbook.')).entries as { action: string; target: { type: string; id: string }; details: Record<string, unknown> }[];
    expect(entries.every((e) => e.target.type === 'runbook')).toBe(true);
    expect(entries.map((e) => [e.action, e.target.id])).toEqual([
      ['runbook.deleted', rb.id],
      ['runbook.imported', imported.json().id],
      ['runbook.updated', rb.id],
      ['runbook.created', rb.id],
    ]);
    expect(entries[2]!.details).toMatchObject({ version: 2 });
  });

  it('never shows or changes another account’s runbooks (404, never listed)', async () => {
    const mine = await signUp(app);
    const theirs = await signUp(app);
    const rb = await create(theirs, { title: 'Secret runbook', tags: ['secret'] });
    for (const req of [
      { method: 'GET' as const, url: `/api/runbooks/${rb.id}` },
      { method: 'GET' as const, url: `/api/runbooks/${rb.id}/versions/1` },
      { method: 'GET' as const, url: `/api/runbooks/${rb.id}/diff?from=1` },
      { method: 'PUT' as const, url: `/api/runbooks/${rb.id}`, payload: { ...body(), baseVersion: 1 } },
      { method: 'DELETE' as const, url: `/api/runbooks/${rb.id}` },
    ]) {
      const res = await mine.call(req);
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await get(mine, '/api/runbooks')).runbooks).toEqual([]);
    expect((await get(mine, '/api/runbooks?tag=secret&q=secret')).runbooks).toEqual([]);
    expect(((await get(theirs, `/api/runbooks/${rb.id}`)) as Runbook).version).toBe(1);
  });
});
