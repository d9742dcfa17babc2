// The re-index workflow against the Temporal dev server: one per account (a second start answers with the running
// one), clears the account's chunks, indexes every runbook in pages, catches up runbooks an index failure left behind.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { joinedTeam, startWorker, useApi, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;
let worker: RunningWorker | undefined;

beforeAll(() => {
  ({ db, app } = api);
});

afterAll(async () => {
  await worker?.stop();
});

const runbook = (i: number) => ({
  title: `Runbook ${i}: queue backlog on consumer ${i}`,
  description: 'Consumers fall behind',
  steps: [{ title: 'Describe the group', command: `kafka-consumer-groups --describe --group g${i}`, targetType: 'shell', explanation: '', risk: 'read-only' }],
});

async function status(user: SignedIn) {
  const res = await user.call({ method: 'GET', url: '/api/runbooks/reindex' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { workflowId: string; status: string; phase: string | null; total: number; indexed: number; failed: number; behind: number };
}

describe('re-indexing an account', () => {
  it('starts once per account, then clears and indexes every runbook, catching up one the index had missed', async () => {
    const owner = await signUp(app);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await owner.call({ method: 'POST', url: '/api/runbooks', payload: runbook(i) });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    // As after an index failure: the runbook is saved but its chunks are missing and indexed_version is behind.
    await db.admin`delete from runbook_chunks where runbook_id = ${ids[0]!}`;
    await db.admin`update runbooks set indexed_version = null where id = ${ids[0]!}`;
    // A chunk of a model no longer used: the clear removes it.
    await db.admin`update runbook_chunks set model = 'old-model' where runbook_id = ${ids[1]!}`;
    expect(await status(owner)).toMatchObject({ status: 'none', total: 3, behind: 1 });

    // No worker polls yet, so the first start is still running when the second arrives.
    const first = await owner.call({ method: 'POST', url: '/api/runbooks/reindex' });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({ workflowId: `runbook-index/${owner.accountId}`, started: true });
    const second = await owner.call({ method: 'POST', url: '/api/runbooks/reindex' });
    expect(second.json()).toEqual({ workflowId: `runbook-index/${owner.accountId}`, started: false });
    expect((await status(owner)).status).toBe('running');

    worker = await startWorker(api.config, db.sql);
    const done = await waitFor('the re-index to complete', async () => {
      const s = await status(owner);
      return s.status === 'completed' ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    expect(done).toMatchObject({ phase: 'completed', total: 3, indexed: 3, failed: 0, behind: 0 });
    const rows = await db.admin<{ runbook_id: string; model: string }[]>`select runbook_id, model from runbook_chunks where account_id = ${owner.accountId}`;
    expect(new Set(rows.map((r) => r.runbook_id))).toEqual(new Set(ids));
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(['local-hash-384']));
    const [audit] = await db.admin`select count(*)::int as n from audit_log where account_id = ${owner.accountId} and action = 'runbook.reindex_started'`;
    expect(audit!.n).toBe(1);
  });

  it('refuses a viewer’s start with 403 but lets them read the progress', async () => {
    const { member: viewer } = await joinedTeam(app, db, 'viewer');
    const res = await viewer.call({ method: 'POST', url: '/api/runbooks/reindex' });
    expect(res.statusCode).toBe(403);
    expect((await status(viewer)).status).toBe('none');
  });
});
