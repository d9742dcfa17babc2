// Automation runs end to end: the API, the run workflow on the Temporal dev server with the real worker, PostgreSQL,
// and the real @aws-sdk/client-lambda against the local Lambda server (which verifies SigV4 and runs the reference
// function's semantics). Approvals by others only, expiry, denied patterns never sent, cancel, the audit chain.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../config.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { approveAutomationRunUpdate, automationRunStateQuery } from '../../workflows/index.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, fullTeam, startWorker, testConfig, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';
import { startLambdaServer, type TestLambdaServer } from '../../devkit/servers/lambda.ts';

let db: TestDatabase;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let worker: RunningWorker;
let lambda: TestLambdaServer;
let team: Awaited<ReturnType<typeof fullTeam>>;

beforeAll(async () => {
  db = await createTestDatabase();
  config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  worker = await startWorker(config, db.sql);
  lambda = await startLambdaServer();
  team = await fullTeam(app, db);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  await temporal?.close();
  await lambda?.close();
  await db?.drop();
});

type Step = { title: string; command: string; targetType?: string; risk?: string };

async function runbook(steps: Step[]): Promise<string> {
  const res = await team.owner.call({
    method: 'POST',
    url: '/api/runbooks',
    payload: { title: `Runbook ${randomBytes(3).toString('hex')}`, steps: steps.map((s) => ({ targetType: 'shell', risk: 'read-only', explanation: '', ...s })) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function target(extra: Record<string, unknown> = {}): Promise<{ id: string; body: string; verification: { ok: boolean; identity?: string } }> {
  const res = await team.owner.call({
    method: 'POST',
    url: '/api/automation-targets',
    payload: {
      name: `Lambda ${randomBytes(3).toString('hex')}`,
      config: { kind: 'lambda', region: lambda.region, functionName: lambda.functionName, endpoint: lambda.url },
      secrets: { accessKeyId: lambda.accessKeyId, secretAccessKey: lambda.secretAccessKey },
      denyPatterns: ['rm -rf *'],
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().target.id, body: res.body, verification: res.json().verification };
}

async function requestRun(who: SignedIn, payload: Record<string, unknown>) {
  const res = await who.call({ method: 'POST', url: '/api/automation-runs', payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { run: { id: string; workflowId: string; status: string }; steps: { index: number; status: string; deniedReason: string | null }[] };
}

const detail = async (runId: string) => (await team.owner.call({ method: 'GET', url: `/api/automation-runs/${runId}` })).json();
const until = (runId: string, status: string, timeoutMs = 30_000) =>
  waitFor(`run ${runId} ${status}`, async () => {
    const d = await detail(runId);
    return d.run.status === status ? d : undefined;
  }, { timeoutMs, intervalMs: 200 });
const waiting = (workflowId: string) =>
  waitFor('the workflow has planned its steps', async () => {
    const s = await temporal.client.workflow.getHandle(workflowId).query(automationRunStateQuery).catch(() => undefined);
    return s && s.steps.length > 0 ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
const decide = (who: SignedIn, runId: string, decision: 'approve' | 'reject', body: Record<string, unknown> = {}) =>
  who.call({ method: 'POST', url: `/api/automation-runs/${runId}/${decision}`, payload: body });
const commandsSent = () => lambda.invocations.map((i) => (i.payload as { command: string }).command);

describe('automation targets', () => {
  it('verifies a target on save through the worker, read-only, and never returns or stores its secret in clear', async () => {
    const before = lambda.invocations.length;
    const t = await target();
    expect(t.verification).toMatchObject({ ok: true, identity: lambda.functionArn() });
    expect(lambda.invocations.length).toBe(before);
    expect(t.body).not.toContain(lambda.secretAccessKey);
    const listed = await team.viewer.call({ method: 'GET', url: '/api/automation-targets' });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(lambda.secretAccessKey);
    expect(listed.json().targets.find((x: { id: string }) => x.id === t.id)).toMatchObject({ hasSecrets: true, verifiedIdentity: lambda.functionArn() });
    const [stored] = await db.admin<{ secrets: Buffer }[]>`select secrets from automation_targets where id = ${t.id}`;
    expect(stored!.secrets.toString('latin1')).not.toContain(lambda.secretAccessKey);
  });

  it('reports a refused secret on save as a failed verification', async () => {
    const res = await team.owner.call({
      method: 'POST',
      url: '/api/automation-targets',
      payload: { name: 'Wrong key', config: { kind: 'lambda', region: lambda.region, functionName: lambda.functionName, endpoint: lambda.url }, secrets: { accessKeyId: lambda.accessKeyId, secretAccessKey: 'not-the-right-secret-at-all' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().verification).toMatchObject({ ok: false, errorKind: 'auth' });
    expect(res.body).not.toContain('not-the-right-secret-at-all');
  });

  it('lets only admins and owners manage targets', async () => {
    const res = await team.responder.call({ method: 'POST', url: '/api/automation-targets', payload: { name: 'x', config: { kind: 'lambda', region: 'eu-west-1', functionName: 'f' } } });
    expect(res.statusCode).toBe(403);
  });
});

describe('automation runs', () => {
  it('waits for approval, refuses the requester, a viewer and a responder, then runs the allowed steps and never sends a denied one', async () => {
    const t = await target();
    const rb = await runbook([
      { title: 'Say hello', command: 'echo hello-from-step-1' },
      { title: 'Clean up', command: 'echo ok && rm -rf /tmp/automation-test-nothing' },
      { title: 'Say done', command: 'echo done' },
    ]);
    const created = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    expect(created.run.status).toBe('awaiting_approval');
    expect(created.steps.map((s) => s.status)).toEqual(['pending', 'skipped', 'pending']);
    expect(created.steps[1]!.deniedReason).toContain('rm -rf *');
    await waiting(created.run.workflowId);
    const sentBefore = lambda.invocations.length;

    // The requester (an admin, so the permission alone would allow it) is refused by the workflow's validator.
    const own = await decide(team.admin, created.run.id, 'approve');
    expect(own.statusCode, own.body).toBe(403);
    expect(own.json().error.message).toContain('requester');
    expect((await decide(team.viewer, created.run.id, 'approve')).statusCode).toBe(403);
    expect((await decide(team.responder, created.run.id, 'approve')).statusCode).toBe(403);
    // The validator itself refuses a role without the grant, even when someone calls the workflow directly.
    await expect(
      temporal.client.workflow.getHandle(created.run.workflowId).executeUpdate(approveAutomationRunUpdate, { args: [{ userId: team.viewer.userId, role: 'viewer' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect((await detail(created.run.id)).run.status).toBe('awaiting_approval');
    expect(lambda.invocations.length).toBe(sentBefore);

    // Everyone who may approve is told by email, with a link to the run; the requester and viewers are not.
    const mails = await db.admin<{ recipient: string; body: string }[]>`
      select recipient, body from outbox_emails where subject like 'Approval needed%' and body like ${'%' + created.run.id + '%'}`;
    expect(mails.map((m) => m.recipient)).toContain(team.owner.email);
    expect(mails.map((m) => m.recipient)).not.toContain(team.admin.email);
    expect(mails.map((m) => m.recipient)).not.toContain(team.viewer.email);
    expect(mails.map((m) => m.recipient)).not.toContain(team.responder.email);
    expect(mails[0]!.body).toContain(`/automations/runs/${created.run.id}`);

    const badge = await team.owner.call({ method: 'GET', url: '/api/automation-runs/pending-approvals' });
    expect(badge.json().pending).toBeGreaterThanOrEqual(1);
    expect((await team.viewer.call({ method: 'GET', url: '/api/automation-runs/pending-approvals' })).json().pending).toBe(0);
    expect((await team.admin.call({ method: 'GET', url: '/api/automation-runs/pending-approvals' })).json().pending).toBe(0);

    const ok = await decide(team.owner, created.run.id, 'approve', { comment: 'looks right' });
    expect(ok.statusCode, ok.body).toBe(200);
    const done = await until(created.run.id, 'completed');
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'skipped', 'succeeded']);
    expect(done.steps[0].stdout).toBe('hello-from-step-1\n');
    expect(done.steps[0].exitCode).toBe(0);
    const sent = commandsSent().slice(sentBefore);
    expect(sent).toEqual(['echo hello-from-step-1', 'echo done']);
    expect(sent.some((c) => c.includes('rm -rf'))).toBe(false);
    expect(lambda.invocations.slice(sentBefore).map((i) => (i.payload as { idempotencyKey: string }).idempotencyKey)).toEqual([`${created.run.id}.0`, `${created.run.id}.2`]);
    // Once decided, a second decision by the same person is refused.
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(409);
  });

  it('needs two approvals when the target says so, and refuses a duplicate', async () => {
    const t = await target({ requiredApprovals: 2 });
    const rb = await runbook([{ title: 'Uptime', command: 'echo two-approvals' }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.admin, created.run.id, 'approve')).statusCode).toBe(200);
    const dup = await decide(team.admin, created.run.id, 'approve');
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.message).toContain('already decided');
    expect((await detail(created.run.id)).run.status).toBe('awaiting_approval');
    expect(commandsSent()).not.toContain('echo two-approvals');
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(200);
    await until(created.run.id, 'completed');
    expect(commandsSent().filter((c) => c === 'echo two-approvals')).toHaveLength(1);
  });

  it('lets a responder approve only with the approver grant an admin gave them, and never a viewer', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Granted', command: 'echo granted-approver' }]);
    const created = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.responder, created.run.id, 'approve')).statusCode).toBe(403);
    // Only managers give the grant, and a viewer cannot hold it (400 naming the field, nothing changed).
    expect((await team.responder.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { approver: true } })).statusCode).toBe(403);
    const toViewer = await team.admin.call({ method: 'PATCH', url: `/api/members/${team.viewer.userId}`, payload: { approver: true } });
    expect(toViewer.statusCode, toViewer.body).toBe(400);
    expect(toViewer.json().error.details[0].field).toBe('approver');
    const granted = await team.admin.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { approver: true } });
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json().member).toMatchObject({ role: 'responder', approver: true });
    try {
      expect((await team.responder.call({ method: 'GET', url: '/api/automation-runs/pending-approvals' })).json().pending).toBeGreaterThanOrEqual(1);
      const ok = await decide(team.responder, created.run.id, 'approve', { comment: 'on call, checked' });
      expect(ok.statusCode, ok.body).toBe(200);
      await until(created.run.id, 'completed');
      expect(commandsSent().filter((c) => c === 'echo granted-approver')).toHaveLength(1);
      const audit = (await team.owner.call({ method: 'GET', url: '/api/audit?action=member.approver_granted' })).json().entries;
      expect(audit[0]).toMatchObject({ action: 'member.approver_granted', subjectUserId: team.responder.userId });
    } finally {
      expect((await team.admin.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { approver: false } })).statusCode).toBe(200);
    }
    // Demoted to viewer, a granted member loses the grant with the role.
    await team.admin.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { approver: true } });
    await team.admin.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { role: 'viewer' } });
    const [row] = await db.admin<{ approver: boolean }[]>`select approver from memberships where account_id = ${team.owner.accountId} and user_id = ${team.responder.userId}`;
    expect(row!.approver).toBe(false);
    expect((await team.admin.call({ method: 'PATCH', url: `/api/members/${team.responder.userId}`, payload: { role: 'responder' } })).statusCode).toBe(200);
  });

  it('expires when nobody approves in time, executing nothing', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Never', command: 'echo never-runs' }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id, expiresInSeconds: 5 });
    const expired = await until(created.run.id, 'expired', 30_000);
    expect(expired.steps.map((s: { status: string }) => s.status)).toEqual(['cancelled']);
    expect(commandsSent()).not.toContain('echo never-runs');
    const late = await decide(team.owner, created.run.id, 'approve');
    expect(late.statusCode).toBe(409);
  });

  it('ends a rejected run without executing anything', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Rejected', command: 'echo rejected-run' }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.admin, created.run.id, 'reject', { comment: 'not now' })).statusCode).toBe(200);
    await until(created.run.id, 'rejected');
    expect(commandsSent()).not.toContain('echo rejected-run');
  });

  it('records a dry run’s steps without executing any', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Dry', command: 'echo dry-run-step' }, { title: 'Denied', command: 'rm -rf /var/tmp/x' }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id, dryRun: true });
    await waiting(created.run.workflowId);
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(200);
    const done = await until(created.run.id, 'completed');
    expect(done.run.dryRun).toBe(true);
    expect(done.steps.map((s: { status: string; error: string | null }) => [s.status, s.error])).toEqual([
      ['skipped', 'dry run: would have run'],
      ['skipped', null],
    ]);
    expect(commandsSent()).not.toContain('echo dry-run-step');
  });

  it('makes a destructive step wait for its own approval, whatever the runbook labels it', async () => {
    const t = await target();
    const file = `/tmp/automation-destructive-${randomBytes(4).toString('hex')}`;
    const rb = await runbook([
      { title: 'Before', command: 'echo before-destructive' },
      { title: 'Remove the scratch file', command: `rm -f ${file}`, risk: 'read-only' },
    ]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(200);
    const handle = temporal.client.workflow.getHandle(created.run.workflowId);
    await waitFor('the destructive step waits', async () => ((await handle.query(automationRunStateQuery)).awaitingStep === 1 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    expect(commandsSent()).toContain('echo before-destructive');
    expect(commandsSent()).not.toContain(`rm -f ${file}`);
    expect((await detail(created.run.id)).awaitingStep).toBe(1);
    // The waiting step is on the approvers' badge too (not the requester's).
    const pending = async (who: SignedIn) => (await who.call({ method: 'GET', url: '/api/automation-runs/pending-approvals' })).json().pending as number;
    const adminBefore = await pending(team.admin);
    expect(adminBefore).toBeGreaterThanOrEqual(1);
    expect(await pending(team.responder)).toBe(0);
    // The run's approval does not cover the step: it needs its stepIndex, and not from the requester.
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(409);
    expect((await decide(team.admin, created.run.id, 'approve', { stepIndex: 1 })).statusCode).toBe(200);
    const done = await until(created.run.id, 'completed');
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(done.steps[1].destructive).toBe(true);
    expect(done.awaitingStep).toBeNull();
    expect(await pending(team.admin)).toBe(adminBefore - 1);
    // The list tells each approver which runs they already decided.
    const listed = (await team.admin.call({ method: 'GET', url: '/api/automation-runs?limit=200' })).json().runs;
    expect(listed.find((r: { id: string }) => r.id === created.run.id).decidedByMe).toBe(false);
    const byOwner = (await team.owner.call({ method: 'GET', url: '/api/automation-runs?limit=200' })).json().runs;
    expect(byOwner.find((r: { id: string }) => r.id === created.run.id).decidedByMe).toBe(true);
  });

  it('cancels a waiting run, and lets a running step finish while cancelling the rest', async () => {
    const t = await target();
    const rb1 = await runbook([{ title: 'Waiting', command: 'echo cancelled-before-approval' }]);
    const waitingRun = await requestRun(team.responder, { runbookId: rb1, targetId: t.id });
    await waiting(waitingRun.run.workflowId);
    expect((await team.responder.call({ method: 'POST', url: `/api/automation-runs/${waitingRun.run.id}/cancel` })).statusCode).toBe(202);
    const cancelled = await until(waitingRun.run.id, 'cancelled');
    expect(cancelled.steps.map((s: { status: string }) => s.status)).toEqual(['cancelled']);
    expect(commandsSent()).not.toContain('echo cancelled-before-approval');

    const rb2 = await runbook([
      { title: 'Slow', command: 'sleep 2; echo slow-step-finished' },
      { title: 'After', command: 'echo after-cancel' },
    ]);
    const running = await requestRun(team.responder, { runbookId: rb2, targetId: t.id });
    await waiting(running.run.workflowId);
    expect((await decide(team.owner, running.run.id, 'approve')).statusCode).toBe(200);
    await waitFor('the slow step runs', async () => ((await detail(running.run.id)).steps[0].status === 'running' ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect((await team.responder.call({ method: 'POST', url: `/api/automation-runs/${running.run.id}/cancel` })).statusCode).toBe(202);
    const ended = await until(running.run.id, 'cancelled');
    expect(ended.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'cancelled']);
    expect(ended.steps[0].stdout).toBe('slow-step-finished\n');
    expect(commandsSent()).not.toContain('echo after-cancel');
  });

  it('still refuses a step whose command a deny pattern added after the request matches', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Allowed at first', command: 'echo denied-later' }, { title: 'Still fine', command: 'echo still-fine' }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    const patched = await team.owner.call({ method: 'PATCH', url: `/api/automation-targets/${t.id}`, payload: { denyPatterns: ['rm -rf *', 'echo denied-*'] } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await decide(team.admin, created.run.id, 'approve')).statusCode).toBe(200);
    const done = await until(created.run.id, 'completed');
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(['skipped', 'succeeded']);
    expect(done.steps[0].deniedReason).toContain('echo denied-*');
    expect(commandsSent()).not.toContain('echo denied-later');
    expect(commandsSent()).toContain('echo still-fine');
  });

  it('stops at a failing step: its exit code is a result, the remaining steps are cancelled', async () => {
    const t = await target();
    const rb = await runbook([
      { title: 'Fails', command: 'echo to-stderr >&2; exit 3' },
      { title: 'Never', command: 'echo after-failure' },
    ]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(200);
    const failed = await until(created.run.id, 'failed');
    expect(failed.steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'cancelled']);
    expect(failed.steps[0]).toMatchObject({ exitCode: 3, stderr: 'to-stderr\n', error: 'exit code 3' });
    expect(commandsSent()).not.toContain('echo after-failure');
  });

  it('redacts the target’s own secret when a command prints it', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Leaky', command: `echo key=${lambda.secretAccessKey}` }]);
    const created = await requestRun(team.responder, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    expect((await decide(team.owner, created.run.id, 'approve')).statusCode).toBe(200);
    const done = await until(created.run.id, 'completed');
    expect(done.steps[0].stdout).not.toContain(lambda.secretAccessKey);
    expect(done.steps[0].stdout).toContain('[secret]');
    // The workflow's history carries ids and counts: neither the secret nor the output.
    const history = JSON.stringify(await temporal.client.workflow.getHandle(created.run.workflowId).fetchHistory(), (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
    );
    expect(history).toContain(created.run.id);
    expect(history).not.toContain(lambda.secretAccessKey);
    expect(history).not.toContain('key=');
  });

  it('refuses an approval with a forged role (the activity re-checks the database), by an API token, or from another account', async () => {
    const t = await target();
    const rb = await runbook([{ title: 'Guarded', command: 'echo guarded-run' }]);
    const created = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    // The attack: a caller reaches the workflow claiming `admin` for a responder; the validator cannot know better,
    // the activity's look-up of the membership refuses it, and nothing is recorded.
    const forged = temporal.client.workflow.getHandle(created.run.workflowId).executeUpdate(approveAutomationRunUpdate, { args: [{ userId: team.responder.userId, role: 'admin' }] });
    await expect(forged).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(forged.catch((err: WorkflowUpdateFailedError) => { throw err.cause; })).rejects.toThrow(/approver grant/);
    const token = (await team.owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'approver bot', role: 'admin' } })).json().token as string;
    const viaToken = await app.inject({ method: 'POST', url: `/api/automation-runs/${created.run.id}/approve`, payload: {}, headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.statusCode, viaToken.body).toBe(403);
    const stranger = await signUp(app);
    expect((await stranger.call({ method: 'GET', url: `/api/automation-runs/${created.run.id}` })).statusCode).toBe(404);
    expect((await decide(stranger, created.run.id, 'approve')).statusCode).toBe(404);
    // Another account's incident id is not linked to a run here.
    const [foreign] = await db.admin<{ id: string }[]>`
      insert into incidents (account_id, source, external_id, title, service, severity, status, created_at, observed_at)
      values (${stranger.accountId}, 'test', ${'inc-' + randomBytes(4).toString('hex')}, 'Theirs', 'svc', 'P3', 'triggered', now(), now()) returning id`;
    const linked = await team.responder.call({ method: 'POST', url: '/api/automation-runs', payload: { runbookId: rb, targetId: t.id, incidentId: foreign!.id } });
    expect(linked.statusCode, linked.body).toBe(404);
    const d = await detail(created.run.id);
    expect(d.run.status).toBe('awaiting_approval');
    expect(d.approvals).toEqual([]);
    expect(commandsSent()).not.toContain('echo guarded-run');
    expect((await team.admin.call({ method: 'POST', url: `/api/automation-runs/${created.run.id}/cancel` })).statusCode).toBe(202);
    await until(created.run.id, 'cancelled');
  });

  it('lets operators approve, refuse and cancel from the temporal CLI, recorded in the audit log as from the product', async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(inject('temporalCliPath'), [...args, '--address', config.temporal.address!, '--namespace', config.temporal.namespace], { timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const t = await target();
    const rb = await runbook([{ title: 'From the CLI', command: 'echo approved-by-operator' }]);
    const created = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    await waiting(created.run.workflowId);
    // The validator refuses the requester here too: nothing recorded, nothing run.
    const own = await cli(['workflow', 'update', 'execute', '-w', created.run.workflowId, '--name', 'approve', '--input', JSON.stringify({ userId: team.admin.userId, role: 'admin' })]);
    expect(own.code).not.toBe(0);
    expect(own.stdout + own.stderr).toContain('requester');
    const ok = await cli(['workflow', 'update', 'execute', '-w', created.run.workflowId, '--name', 'approve', '--input', JSON.stringify({ userId: team.owner.userId, role: 'owner', comment: 'approved from the CLI' })]);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await until(created.run.id, 'completed');
    expect(done.approvals).toEqual([expect.objectContaining({ userId: team.owner.userId, decision: 'approve', comment: 'approved from the CLI' })]);
    expect(commandsSent().filter((c) => c === 'echo approved-by-operator')).toHaveLength(1);
    const entries = async (runId: string) =>
      db.admin<{ action: string; actorLabel: string; details: Record<string, unknown> }[]>`
        select action, actor_label as "actorLabel", details from audit_log where target_id = ${runId} order by seq`;
    const approved = (await entries(created.run.id)).find((e) => e.action === 'automation_run.approved')!;
    expect(approved).toMatchObject({ actorLabel: team.owner.email, details: { via: 'temporal', comment: 'approved from the CLI' } });

    // Cancelled by an operator: the entry names the CLI's identity from the workflow's history.
    const byCli = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    await waiting(byCli.run.workflowId);
    const cancelled = await cli(['workflow', 'cancel', '-w', byCli.run.workflowId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await until(byCli.run.id, 'cancelled');
    const cliEntry = (await entries(byCli.run.id)).find((e) => e.action === 'automation_run.cancelled')!;
    expect((cliEntry.details.cancelRequest as { identity: string }).identity).not.toBe('');

    // Cancelled in the product: who asked is on record twice, by the API and quoted from the history.
    const byApi = await requestRun(team.admin, { runbookId: rb, targetId: t.id });
    await waiting(byApi.run.workflowId);
    expect((await team.responder.call({ method: 'POST', url: `/api/automation-runs/${byApi.run.id}/cancel` })).statusCode).toBe(202);
    await until(byApi.run.id, 'cancelled');
    const apiEntries = await entries(byApi.run.id);
    expect(apiEntries.find((e) => e.action === 'automation_run.cancel_requested')).toMatchObject({ actorLabel: team.responder.email });
    expect((apiEntries.find((e) => e.action === 'automation_run.cancelled')!.details.cancelRequest as { reason: string }).reason).toContain(`requested by ${team.responder.email}`);
    expect(commandsSent().filter((c) => c === 'echo approved-by-operator')).toHaveLength(1);
  });

  it('writes every transition to the audit log, and the chain verifies', async () => {
    const rows = await db.admin<{ action: string }[]>`select distinct action from audit_log where account_id = ${team.owner.accountId} and action like 'automation%'`;
    expect(rows.map((r) => r.action).sort()).toEqual(
      [
        'automation_run.approved',
        'automation_run.cancel_requested',
        'automation_run.cancelled',
        'automation_run.completed',
        'automation_run.expired',
        'automation_run.failed',
        'automation_run.rejected',
        'automation_run.requested',
        'automation_run.started',
        'automation_run.step_ran',
        'automation_target.created',
        'automation_target.updated',
        'automation_target.verified',
      ].sort(),
    );
    const verified = await team.owner.call({ method: 'GET', url: '/api/audit/verify' });
    expect(verified.json()).toMatchObject({ valid: true });
    // No secret reached the audit log or the run tables.
    const [leak] = await db.admin<{ n: number }[]>`
      select (select count(*) from audit_log where details::text like ${'%' + lambda.secretAccessKey + '%'})::int
           + (select count(*) from automation_run_steps where coalesce(stdout, '') || coalesce(stderr, '') || coalesce(error, '') like ${'%' + lambda.secretAccessKey + '%'})::int as n`;
    expect(leak!.n).toBe(0);

    // The attack: someone with database access rewrites who approved a run. Verification fails at that very row.
    const [approval] = await db.admin<{ seq: number }[]>`
      select seq::int from audit_log where account_id = ${team.owner.accountId} and action = 'automation_run.approved' order by seq limit 1`;
    await db.admin.begin(async (tx) => {
      await tx`alter table audit_log disable trigger user`;
      await tx`update audit_log set actor_label = 'someone-else@example.com' where account_id = ${team.owner.accountId} and seq = ${approval!.seq}`;
      await tx`alter table audit_log enable trigger user`;
    });
    const tampered = (await team.owner.call({ method: 'GET', url: '/api/audit/verify' })).json();
    expect(tampered).toMatchObject({ valid: false, firstBroken: { seq: approval!.seq, reason: 'content_changed' } });
  });
});
