// `npm start` on a machine with no Temporal and no PostgreSQL running: every part comes up healthy, the demo job
// completes, the demo account's PagerDuty (the simulator) imports its history through the real pipeline, Ctrl-C
// leaves no child behind, and a second start reuses the first one's data.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { childEnv } from '../../config.ts';
import { spawnChild, stopChild, type Child } from '../../devkit/processes.ts';
import { freePort } from '../../devkit/ports.ts';
import { waitFor } from '../helpers.ts';

const ROOT = join(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'insights-start-'));
const running: Child[] = [];

afterAll(async () => {
  for (const child of running) await stopChild(child, 20_000, 'SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
});

// Fresh ports for every start: other test files run in parallel and take free ports too, so a start that finds
// one taken is retried with new ones (`npm start` checks every port before it spawns anything).
let ports: Record<'API_PORT' | 'WEB_PORT' | 'WORKER_HEALTH_PORT' | 'PGLITE_PORT' | 'TEMPORAL_PORT' | 'TEMPORAL_UI_PORT', number>;
let api: string;
async function pickPorts(): Promise<void> {
  ports = {
    API_PORT: await freePort(),
    WEB_PORT: await freePort(),
    WORKER_HEALTH_PORT: await freePort(),
    PGLITE_PORT: await freePort(),
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
  };
  api = `http://127.0.0.1:${ports.API_PORT}`;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
const json = async (res: Response): Promise<any> => res.json();

/** Signs in as the demo user that `npm start` created, with the password it kept in the data folder. */
async function demoAuth(): Promise<{ authorization: string }> {
  const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8'));
  const res = await fetch(`${api}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  expect(res.status).toBe(200);
  return { authorization: `Bearer ${(await json(res)).accessToken}` };
}

function start(run: number, dir: string = dataDir): { child: Child; output: () => string } {
  const logFile = join(dir, `start-${run}.out`);
  const child = spawnChild({
    name: `npm-start-${run}`,
    command: process.execPath,
    args: [join(ROOT, 'scripts/start.ts')],
    cwd: ROOT,
    logFile,
    env: childEnv({
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DATA_DIR: dir,
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      TEMPORAL_UI_URL: '',
      TEMPORAL_TASK_QUEUE: '',
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      NODE_ENV: 'development',
    }),
  });
  running.push(child);
  return { child, output: () => readFileSync(logFile, 'utf8') };
}

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [p, pp] of rows) if (pp === parent) (found.push(p), queue.push(p));
  }
  return found;
}

/** Running (a zombie, already exited but not yet reaped by a non-reaping init, does not count). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const describeProcesses = (pids: number[]) =>
  pids.map((pid) => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
    } catch {
      return `${pid}: gone`;
    }
  });

async function ready(run: { child: Child; output: () => string }): Promise<void> {
  await waitFor('npm start to be ready', () => (run.output().includes('Ready') ? true : undefined), {
    timeoutMs: 150_000,
    intervalMs: 500,
    abortIf: () => (run.child.hasExited() ? `npm start exited:\n${run.output()}` : undefined),
  });
}

/** Starts on fresh ports until none of them was taken meanwhile (three tries), then waits until ready. */
async function startReady(runNumber: number): Promise<{ child: Child; output: () => string }> {
  for (let attempt = 1; ; attempt++) {
    await pickPorts();
    const run = start(runNumber, dataDir);
    try {
      await ready(run);
      return run;
    } catch (err) {
      // Taken before `npm start` checked it, or between its check and the child's listen (the Temporal dev server,
      // started alongside, takes ephemeral ports of its own): either way, a retry on fresh ports.
      if (attempt < 3 && /is in use|EADDRINUSE/.test(run.output())) continue;
      throw err;
    }
  }
}

async function ctrlC(run: { child: Child; output: () => string }, children: number[]): Promise<void> {
  run.child.process.kill('SIGINT');
  const code = await run.child.exited;
  expect(code, run.output()).toBe(0);
  expect(describeProcesses(children.filter(alive)), 'children still running after Ctrl-C').toEqual([]);
}

const DEMO_INCIDENTS = 1500;

it('brings every part up healthy, completes the demo job, imports the demo PagerDuty history, and stops every child on Ctrl-C', async () => {
  const run = await startReady(1);
  const out = run.output();
  for (const part of ['postgres', 'temporal', 'pagerduty', 'worker', 'api', 'web']) expect(out).toMatch(new RegExp(`✔ ${part}\\s`));
  expect(out).toContain('demo data: connected the PagerDuty simulator (1,500 incidents)');
  expect(out).toContain(`Web UI http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);

  const health = await fetch(`${api}/api/health`);
  const body = await json(health);
  expect(health.status, JSON.stringify(body)).toBe(200);
  expect(body.status).toBe('ok');

  expect(out).toMatch(/sign in as demo@incident-insights\.local with password \S+/);
  const auth = await demoAuth();
  const demo = await waitFor('the demo job to complete', async () => {
    const { jobs } = await json(await fetch(`${api}/api/jobs?kind=echo`, { headers: auth }));
    return jobs[0]?.status === 'completed' ? jobs[0] : undefined;
  }, { timeoutMs: 60_000, intervalMs: 300 });
  expect(demo.input.message).toBe('Hello from Incident Insights');

  // The Temporal Web UI's own API lists the demo workflow.
  const ui = await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${demo.workflowId}"`)}`);
  expect(ui.status).toBe(200);
  const listed = await json(ui);
  expect(listed.executions?.[0]?.execution?.workflowId).toBe(demo.workflowId);

  // The simulator's history, imported by the backfill workflow and unified into incidents (Ready did not wait for it).
  const t0 = Date.now();
  const { integrations } = await json(await fetch(`${api}/api/integrations`, { headers: auth }));
  expect(integrations).toMatchObject([{ kind: 'pagerduty', name: 'PagerDuty (demo simulator)', status: 'active' }]);
  const integrationUrl = `${api}/api/integrations/${integrations[0].id}`;
  const backfill = await waitFor('the demo backfill to finish', async () => {
    const { integration } = await json(await fetch(integrationUrl, { headers: auth }));
    return ['completed', 'failed', 'cancelled'].includes(integration.backfill?.status) ? integration.backfill : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  expect(backfill.status, backfill.error ?? '').toBe('completed');
  await waitFor('every demo incident unified', async () => {
    const { integration } = await json(await fetch(integrationUrl, { headers: auth }));
    return integration.incidents === DEMO_INCIDENTS ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  console.log(`[start.test] demo backfill and unification done ${((Date.now() - t0) / 1000).toFixed(1)} s after Ready checks`);
  const incidents = await fetch(`${api}/api/incidents?limit=5`, { headers: auth });
  expect(incidents.status).toBe(200);
  const listed5 = (await json(incidents)).incidents;
  expect(listed5).toHaveLength(5);
  expect(listed5[0]).toMatchObject({ source: 'pagerduty', integrationId: integrations[0].id });
  expect(listed5[0].title.length).toBeGreaterThan(5);

  const page = await fetch(`http://127.0.0.1:${ports.WEB_PORT}/signin`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Sign in');

  const children = descendants(run.child.process.pid!);
  expect(children.length).toBeGreaterThanOrEqual(5);
  await ctrlC(run, children);
  expect(run.output()).toContain('pagerduty stopped');
  expect(run.output()).toContain('postgres stopped');
}, 300_000);

it('reuses the data of the first start on the second', async () => {
  const run = await startReady(2);
  const auth = await demoAuth(); // the same demo user, with the password kept from the first start
  const { jobs } = await json(await fetch(`${api}/api/jobs?kind=echo`, { headers: auth }));
  expect(jobs).toHaveLength(1); // the first run's demo job, and no second seed
  expect(jobs[0].status).toBe('completed');
  const detail = await json(await fetch(`${api}/api/jobs/${jobs[0].id}`, { headers: auth }));
  expect(detail.workflow?.status).toBe('COMPLETED'); // Temporal kept its history in .data/temporal
  expect(run.output()).toContain('database schema at version');
  expect(run.output()).not.toContain('applied 0001');
  // The same demo integration and its incidents, not a second one.
  const { integrations } = await json(await fetch(`${api}/api/integrations`, { headers: auth }));
  expect(integrations).toHaveLength(1);
  expect(integrations[0].incidents).toBe(DEMO_INCIDENTS);
  expect(run.output()).not.toContain('connected the PagerDuty simulator');
  await ctrlC(run, descendants(run.child.process.pid!));
}, 240_000);

it('stops what it already started when Ctrl-C comes during start-up', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'insights-start-early-'));
  try {
    let run: { child: Child; output: () => string };
    let seen: number[];
    for (let attempt = 1; ; attempt++) {
      await pickPorts();
      run = start(3, fresh);
      const current = run;
      try {
        // Wait until the Temporal dev server process exists (it is not healthy yet on a fresh data folder) ...
        seen = await waitFor('the Temporal dev server to be spawned', () => {
          const pids = descendants(current.child.process.pid!);
          return describeProcesses(pids).some((p) => p.includes('start-dev')) ? pids : undefined;
        }, { timeoutMs: 60_000, intervalMs: 50, abortIf: () => (current.child.hasExited() ? `npm start exited:\n${current.output()}` : undefined) });
        break;
      } catch (err) {
        if (attempt < 3 && current.output().includes('is in use')) continue;
        throw err;
      }
    }
    // ... then press Ctrl-C.
    await ctrlC(run, seen);
    expect(run.output()).toContain('temporal stopped');
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
