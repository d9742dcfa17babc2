// Automation triggers end to end: incidents arriving by the real webhook routes, unified by the real worker, matched by
// event rules in the unification transaction, their runs started by the unify workflow; schedules backed by real
// Temporal Schedules; runs executed on a real OpenSSH server (tests/servers/sshd.ts).
import { existsSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { automationRunStateQuery, automationScheduleId } from '../../workflows/index.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { fullTeam, useApi, waitFor } from '../helpers.ts';
import { startSshd, type TestSshd } from '../servers/sshd.ts';

const api = useApi({}, { listen: true, worker: true });
let team: Awaited<ReturnType<typeof fullTeam>>;
let sshd: TestSshd;
let targetId: string;
let alertmanager: { url: string; secret: string };
let generic: { url: string; secret: string };
const createdSchedules: string[] = [];

const hex = () => randomBytes(3).toString('hex');

beforeAll(async () => {
  team = await fullTeam(api.app, api.db);
  sshd = await startSshd();
  const t = await team.owner.call({
    method: 'POST',
    url: '/api/automation-targets',
    payload: {
      name: 'Test host',
      config: { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint },
      secrets: { privateKey: sshd.privateKey },
    },
  });
  expect(t.statusCode, t.body).toBe(201);
  targetId = t.json().target.id;
  const am = await team.owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'alertmanager', name: 'Prometheus' } });
  expect(am.statusCode, am.body).toBe(201);
  alertmanager = { url: api.local(am.json().integration.webhook.url), secret: am.json().webhookSecret };
  const wh = await team.owner.call({
    method: 'POST',
    url: '/api/integrations',
    payload: {
      kind: 'webhook',
      name: 'Homegrown',
      settings: { mapping: { fields: { externalId: 'id', title: 'summary', createdAt: 'time', updatedAt: 'updated', resolvedAt: 'resolved', status: 'state', severity: 'level', service: 'app' } } },
    },
  });
  expect(wh.statusCode, wh.body).toBe(201);
  generic = { url: api.local(wh.json().integration.webhook.url), secret: wh.json().webhookSecret };
}, 120_000);

afterAll(async () => {
  for (const id of createdSchedules) await team?.owner.call({ method: 'DELETE', url: `/api/automation-schedules/${id}` });
  await sshd?.stop();
});

async function runbook(steps: { title: string; command: string; risk?: string }[], who: SignedIn = team.owner): Promise<string> {
  const res = await who.call({
    method: 'POST',
    url: '/api/runbooks',
    payload: { title: `Runbook ${hex()}`, steps: steps.map((s) => ({ targetType: 'shell', risk: 'read-only', explanation: '', ...s })) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function rule(who: SignedIn, payload: Record<string, unknown>) {
  return who.call({ method: 'POST', url: '/api/automation-rules', payload: { name: `Rule ${hex()}`, targetId, ...payload } });
}

async function fireAlert(service: string, fingerprint = hex(), to: { url: string; secret: string } = alertmanager) {
  const now = new Date().toISOString();
  const payload = {
    version: '4',
    groupKey: `{}:{alertname="HighLoad"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'insights',
    groupLabels: { alertname: 'HighLoad' },
    commonLabels: { alertname: 'HighLoad' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighLoad', severity: 'critical', service },
        annotations: { summary: `High load on ${service}` },
        startsAt: now,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint,
      },
    ],
  };
  const res = await fetch(to.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${to.secret}` }, body: JSON.stringify(payload) });
  expect(res.status).toBe(202);
}

async function sendGeneric(body: Record<string, unknown>) {
  const res = await fetch(generic.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-token': generic.secret }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
}

const incidentOf = (service: string) =>
  waitFor(`an incident for ${service}`, async () => {
    const rows = await api.db.admin<{ id: string; status: string }[]>`select id, status from incidents where service = ${service} order by created_at`;
    return rows.length > 0 ? rows : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });

const runsOfRule = async (ruleId: string) =>
  api.db.admin<{ id: string; status: string; trigger: string; incidentId: string; requestedBy: string; requiredApprovals: number; workflowId: string }[]>`
    select id, status, trigger, incident_id as "incidentId", requested_by as "requestedBy", required_approvals as "requiredApprovals", workflow_id as "workflowId"
    from automation_runs where rule_id = ${ruleId} order by created_at`;

const runOfRule = (ruleId: string, count = 1) =>
  waitFor(`${count} run(s) of rule ${ruleId}`, async () => {
    const runs = await runsOfRule(ruleId);
    return runs.length >= count ? runs : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });

/** The account's unification is idle (no `unify/<account>/now` running): whatever the webhooks sent has been handled. */
const unified = (accountId: string) =>
  waitFor('the unification finished', async () => {
    const handle = api.temporal.client.workflow.getHandle(`unify/${accountId}/now`);
    const d = await handle.describe().catch(() => undefined);
    return d && d.status.name !== 'RUNNING' ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });

const workflowState = (workflowId: string, status: string) =>
  waitFor(`workflow ${workflowId} ${status}`, async () => {
    const s = await api.temporal.client.workflow.getHandle(workflowId).query(automationRunStateQuery).catch(() => undefined);
    return s && s.status === status && s.steps.length > 0 ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });

describe('event rules', () => {
  it('starts a run that waits for approval when an incident arriving by webhook matches a rule, and runs nothing', async () => {
    const service = `checkout-${hex()}`;
    const marker = join(sshd.dir, `ran-${hex()}`);
    const rb = await runbook([{ title: 'Restart', command: `touch ${marker}`, risk: 'mutating' }]);
    const created = await rule(team.admin, { runbookId: rb, services: [service], severities: ['P1'] });
    expect(created.statusCode, created.body).toBe(201);
    const ruleId = created.json().rule.id;

    await fireAlert(service);
    const [incident] = await incidentOf(service);
    const [run] = await runOfRule(ruleId);
    expect(run).toMatchObject({ trigger: 'event', incidentId: incident!.id, requestedBy: team.admin.userId, requiredApprovals: 1, status: 'awaiting_approval' });
    expect(run!.workflowId).toBe(`run/${team.owner.accountId}/${run!.id}`);
    const state = await workflowState(run!.workflowId, 'awaiting_approval');
    expect(state.steps.map((s) => s.status)).toEqual(['pending']);
    const detail = (await team.owner.call({ method: 'GET', url: `/api/automation-runs/${run!.id}` })).json();
    expect(detail.run).toMatchObject({ status: 'awaiting_approval', trigger: 'event', incidentId: incident!.id });
    expect(detail.steps[0]).toMatchObject({ status: 'pending', stdout: null });
    expect(existsSync(marker)).toBe(false);
    // The rule's creator is the requester: they cannot approve it.
    const own = await team.admin.call({ method: 'POST', url: `/api/automation-runs/${run!.id}/approve`, payload: {} });
    expect(own.statusCode, own.body).toBe(403);
    // The firing is recorded as started, and the audit names the rule as the actor.
    const [firing] = await api.db.admin<{ status: string; runId: string }[]>`select status, run_id as "runId" from automation_rule_firings where rule_id = ${ruleId}`;
    await waitFor('the firing marked started', async () => ((await api.db.admin`select 1 from automation_rule_firings where rule_id = ${ruleId} and status = 'started'`).length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    expect(firing!.runId).toBe(run!.id);
    const [entry] = await api.db.admin<{ actorLabel: string }[]>`select actor_label as "actorLabel" from audit_log where action = 'automation_run.requested' and target_id = ${run!.id}`;
    expect(entry!.actorLabel).toBe(`rule ${created.json().rule.name}`);
    // The people who may approve are told by email (not the rule's creator), and its delivery was started at once.
    const mails = await api.db.admin<{ recipient: string; deliveryId: string }[]>`
      select recipient, delivery_id as "deliveryId" from outbox_emails where subject like 'Approval needed%' and body like ${'%' + run!.id + '%'}`;
    expect(mails.map((m) => m.recipient)).toContain(team.owner.email);
    expect(mails.map((m) => m.recipient)).not.toContain(team.admin.email);
    for (const mail of mails) {
      const described = await waitFor('the delivery workflow', () => api.temporal.client.workflow.getHandle(`email/${mail.deliveryId}`).describe().catch(() => undefined), { timeoutMs: 15_000, intervalMs: 200 });
      expect(described.type).toBe('emailDeliveryWorkflow');
    }

    // A crash after the run started but before the firing was marked: the next unification starts nothing twice.
    await api.db.admin`update automation_rule_firings set status = 'pending', started_at = null where rule_id = ${ruleId}`;
    await fireAlert(`nudge-${hex()}`);
    await waitFor('the firing marked started again', async () => ((await api.db.admin`select 1 from automation_rule_firings where rule_id = ${ruleId} and status = 'started'`).length > 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await runsOfRule(ruleId)).toHaveLength(1);
    expect(await api.db.admin`select 1 from audit_log where action = 'automation_run.requested' and target_id = ${run!.id}`).toHaveLength(1);
    expect((await api.temporal.client.workflow.getHandle(run!.workflowId).query(automationRunStateQuery)).status).toBe('awaiting_approval');
    expect(existsSync(marker)).toBe(false);
    await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run!.id}/cancel` });
  });

  it('starts nothing for an incident no rule matches', async () => {
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const created = await rule(team.owner, { runbookId: rb, services: [`other-${hex()}`] });
    expect(created.statusCode, created.body).toBe(201);
    const service = `unmatched-${hex()}`;
    await fireAlert(service);
    await incidentOf(service);
    await unified(team.owner.accountId);
    expect(await runsOfRule(created.json().rule.id)).toEqual([]);
    expect(await api.db.admin`select 1 from automation_rule_firings where rule_id = ${created.json().rule.id}`).toHaveLength(0);
  });

  it('fires once for an alert storm within the cooldown', async () => {
    const service = `storm-${hex()}`;
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const created = await rule(team.owner, { runbookId: rb, services: [service] });
    const ruleId = created.json().rule.id;
    for (let i = 0; i < 6; i += 1) await fireAlert(service);
    await waitFor('six incidents', async () => ((await api.db.admin`select 1 from incidents where service = ${service}`).length === 6 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    await runOfRule(ruleId);
    await unified(team.owner.accountId);
    expect(await runsOfRule(ruleId)).toHaveLength(1);
    expect(await api.db.admin`select 1 from automation_rule_firings where rule_id = ${ruleId}`).toHaveLength(1);
    for (const run of await runsOfRule(ruleId)) await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run.id}/cancel` });
  });

  it('holds the cooldown across an account’s first recluster: a storm that began before its incidents had a cluster', async () => {
    // A new account has no clusters until its first recluster: the storm's first incident fires keyed by its service.
    const fresh = await signUp(api.app);
    const t = await fresh.call({
      method: 'POST',
      url: '/api/automation-targets',
      payload: { name: 'Host', config: { kind: 'ssh', host: sshd.host, port: sshd.port, username: sshd.username, hostKeyFingerprint: sshd.hostKeyFingerprint }, secrets: { privateKey: sshd.privateKey } },
    });
    expect(t.statusCode, t.body).toBe(201);
    const am = await fresh.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'alertmanager', name: 'Prometheus' } });
    expect(am.statusCode, am.body).toBe(201);
    const to = { url: api.local(am.json().integration.webhook.url), secret: am.json().webhookSecret };
    const service = `early-${hex()}`;
    const rb = await runbook([{ title: 'Look', command: 'uptime' }], fresh);
    const created = await fresh.call({ method: 'POST', url: '/api/automation-rules', payload: { name: `Rule ${hex()}`, runbookId: rb, targetId: t.json().target.id, services: [service] } });
    expect(created.statusCode, created.body).toBe(201);
    const ruleId = created.json().rule.id;
    await fireAlert(service, hex(), to);
    await runOfRule(ruleId);
    const [first] = await api.db.admin<{ cooldownKey: string; incidentId: string }[]>`select cooldown_key as "cooldownKey", incident_id as "incidentId" from automation_rule_firings where rule_id = ${ruleId}`;
    expect(first!.cooldownKey).toBe(`service:${service}`);
    // The first recluster places it; the storm goes on, each incident now in that cluster.
    const clusterOf = (id: string) => waitFor('a cluster', async () => (await api.db.admin<{ clusterId: string | null }[]>`select cluster_id as "clusterId" from incidents where id = ${id}`)[0]?.clusterId ?? undefined, { timeoutMs: 60_000, intervalMs: 200 });
    const cluster = await clusterOf(first!.incidentId);
    for (let i = 0; i < 3; i += 1) await fireAlert(service, hex(), to);
    const later = await waitFor('three more incidents, clustered', async () => {
      const rows = await api.db.admin<{ clusterId: string | null }[]>`select cluster_id as "clusterId" from incidents where service = ${service} and id <> ${first!.incidentId}`;
      return rows.length === 3 && rows.every((r) => r.clusterId) ? rows : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    expect(later.map((r) => r.clusterId)).toEqual([cluster, cluster, cluster]);
    await unified(fresh.accountId);
    expect(await runsOfRule(ruleId)).toHaveLength(1);
    expect(await api.db.admin`select 1 from automation_rule_firings where rule_id = ${ruleId}`).toHaveLength(1);
    for (const run of await runsOfRule(ruleId)) await fresh.call({ method: 'POST', url: `/api/automation-runs/${run.id}/cancel` });
  });

  it('fires on a re-opened incident when the rule asks for it, not on the new one', async () => {
    const service = `reopen-${hex()}`;
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const created = await rule(team.owner, { runbookId: rb, services: [service], onNew: false, onReopened: true, cooldownSeconds: 0 });
    expect(created.statusCode, created.body).toBe(201);
    const ruleId = created.json().rule.id;
    const id = `inc-${hex()}`;
    const t0 = Date.now();
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    await sendGeneric({ id, summary: 'Queue stuck', time: at(0), updated: at(0), state: 'triggered', level: 'P2', app: service });
    await incidentOf(service);
    await sendGeneric({ id, summary: 'Queue stuck', time: at(0), updated: at(1000), resolved: at(1000), state: 'resolved', level: 'P2', app: service });
    await waitFor('resolved', async () => ((await incidentOf(service))[0]!.status === 'resolved' ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
    await unified(team.owner.accountId);
    expect(await runsOfRule(ruleId)).toEqual([]);
    await sendGeneric({ id, summary: 'Queue stuck', time: at(0), updated: at(2000), state: 'triggered', level: 'P2', app: service });
    const [run] = await runOfRule(ruleId);
    expect(run).toMatchObject({ trigger: 'event', status: 'awaiting_approval' });
    const [firing] = await api.db.admin<{ reason: string }[]>`select reason from automation_rule_firings where rule_id = ${ruleId}`;
    expect(firing!.reason).toBe('reopened');
    await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run!.id}/cancel` });
  });

  it('auto-runs a read-only runbook without approval, with the real output recorded', async () => {
    const service = `auto-${hex()}`;
    const word = `auto-ran-${hex()}`;
    const rb = await runbook([{ title: 'Say', command: `echo ${word}` }]);
    const created = await rule(team.owner, { runbookId: rb, services: [service], autoRun: true });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().rule.autoRun).toBe(true);
    await fireAlert(service);
    const [run] = await runOfRule(created.json().rule.id);
    expect(run!.requiredApprovals).toBe(0);
    const done = await waitFor('the auto-run completed', async () => {
      const d = (await team.owner.call({ method: 'GET', url: `/api/automation-runs/${run!.id}` })).json();
      return d.run.status === 'completed' ? d : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(done.steps[0]).toMatchObject({ status: 'succeeded', exitCode: 0, stdout: `${word}\n` });
    expect(done.approvals).toEqual([]);
  });

  it('refuses auto-run for a responder and for a runbook with mutating steps, and waits for approval when the runbook changed', async () => {
    const readOnly = await runbook([{ title: 'Look', command: 'uptime' }]);
    const responder = await rule(team.responder, { runbookId: readOnly, autoRun: true });
    expect(responder.statusCode).toBe(403);
    const mutating = await runbook([{ title: 'Look', command: 'uptime' }, { title: 'Restart', command: 'systemctl restart nginx', risk: 'mutating' }]);
    const refused = await rule(team.admin, { runbookId: mutating, autoRun: true });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error.details[0].field).toBe('autoRun');
    expect(refused.json().error.message).toContain('2');
    const before = await api.db.admin`select 1 from automation_rules where account_id = ${team.owner.accountId}`;

    // Accepted while read-only; the runbook then gains a mutating step: the firing's run waits for approval, and says why.
    const service = `changed-${hex()}`;
    const accepted = await rule(team.admin, { runbookId: readOnly, services: [service], autoRun: true });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(before.length + 1).toBe((await api.db.admin`select 1 from automation_rules where account_id = ${team.owner.accountId}`).length);
    const saved = await team.owner.call({
      method: 'PUT',
      url: `/api/runbooks/${readOnly}`,
      payload: { baseVersion: 1, title: 'Now restarts', steps: [{ title: 'Restart', command: 'systemctl restart nginx', risk: 'mutating', targetType: 'shell', explanation: '' }] },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    await fireAlert(service);
    const [run] = await runOfRule(accepted.json().rule.id);
    expect(run).toMatchObject({ requiredApprovals: 1, status: 'awaiting_approval' });
    const [entry] = await api.db.admin<{ details: { autoRunRefused?: string } }[]>`select details from audit_log where action = 'automation_run.requested' and target_id = ${run!.id}`;
    expect(entry!.details.autoRunRefused).toContain('not read-only');
    await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run!.id}/cancel` });

    // Editing the rule as the form does (every field, the same runbook, auto-run still on) is not refused for the
    // runbook's change; pointing it at another runbook that is not read-only is.
    const ruleId = accepted.json().rule.id;
    const asForm = { name: 'Renamed', runbookId: readOnly, targetId, services: [service], clusterIds: [], severities: [], onNew: true, onReopened: false, cooldownSeconds: 600, autoRun: true, dryRun: false };
    const renamed = await team.admin.call({ method: 'PATCH', url: `/api/automation-rules/${ruleId}`, payload: asForm });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().rule).toMatchObject({ name: 'Renamed', cooldownSeconds: 600, autoRun: true });
    const moved = await team.admin.call({ method: 'PATCH', url: `/api/automation-rules/${ruleId}`, payload: { ...asForm, runbookId: mutating } });
    expect(moved.statusCode, moved.body).toBe(400);
    expect(moved.json().error.details[0].field).toBe('autoRun');
    expect((await team.admin.call({ method: 'GET', url: `/api/automation-rules/${ruleId}` })).json().rule.runbookId).toBe(readOnly);
  });

  it('fires when an incident of a new pattern arrives, and not for the next one of that pattern', async () => {
    // Patterns are known once the account has a cluster model: the first recluster, started by the unification.
    await fireAlert(`prime-${hex()}`);
    await waitFor('a cluster model and every incident clustered', async () => {
      const [row] = await api.db.admin<[{ models: number; unclustered: number }]>`
        select (select count(*)::int from cluster_models where account_id = ${team.owner.accountId}) as models,
               (select count(*)::int from incidents where account_id = ${team.owner.accountId} and cluster_id is null) as unclustered`;
      return row.models === 1 && row.unclustered === 0 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });

    const service = `novel-${hex()}`;
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const bad = await rule(team.owner, { runbookId: rb, novelties: ['fresh'] });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().error.details.map((d: { field?: string }) => d.field?.split('.')[0])).toContain('novelties');
    const created = await rule(team.owner, { runbookId: rb, services: [service], novelties: ['new'], cooldownSeconds: 0 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().rule).toMatchObject({ novelties: ['new'], clusters: [] });
    const ruleId = created.json().rule.id;

    // A title no incident of this account ever had: its own pattern, labelled new as it is placed.
    const words = Array.from({ length: 3 }, () => Array.from(randomBytes(6), (b) => String.fromCharCode(97 + (b % 26))).join(''));
    const title = `Quorum lost between ${words.join(' and ')} replicas`;
    const t0 = Date.now();
    await sendGeneric({ id: `novel-${hex()}`, summary: title, time: new Date(t0).toISOString(), updated: new Date(t0).toISOString(), state: 'triggered', level: 'P2', app: service });
    const [run] = await runOfRule(ruleId);
    const [first] = await incidentOf(service);
    expect(run).toMatchObject({ trigger: 'event', incidentId: first!.id, status: 'awaiting_approval' });
    const [labelled] = await api.db.admin<[{ novelty: string; clusterId: string }]>`select novelty, cluster_id as "clusterId" from incidents where id = ${first!.id}`;
    expect(labelled.novelty).toBe('new');
    const [firing] = await api.db.admin<{ reason: string }[]>`select reason from automation_rule_firings where rule_id = ${ruleId}`;
    expect(firing!.reason).toBe('new');

    // The same problem again a second later: its pattern is known now, so the rule (no cooldown) starts nothing more.
    await sendGeneric({ id: `novel-${hex()}`, summary: title, time: new Date(t0 + 1000).toISOString(), updated: new Date(t0 + 1000).toISOString(), state: 'triggered', level: 'P2', app: service });
    const both = await waitFor('the second incident labelled', async () => {
      const rows = await api.db.admin<{ novelty: string | null; clusterId: string }[]>`select novelty, cluster_id as "clusterId" from incidents where service = ${service} order by created_at`;
      return rows.length === 2 && rows[1]!.novelty ? rows : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(both[1]!.clusterId).toBe(labelled.clusterId);
    expect(both[1]!.novelty).not.toBe('new');
    await unified(team.owner.accountId);
    expect(await runsOfRule(ruleId)).toHaveLength(1);

    // A rule names its clusters by name; one that no longer exists has none.
    const named = await rule(team.owner, { runbookId: rb, clusterIds: [labelled.clusterId, 'c-000000000000'] });
    expect(named.statusCode, named.body).toBe(201);
    const [{ name }] = await api.db.admin<[{ name: string }]>`select coalesce(name, label) as name from clusters where account_id = ${team.owner.accountId} and id = ${labelled.clusterId}`;
    expect(named.json().rule.clusters).toEqual([{ id: labelled.clusterId, name }, { id: 'c-000000000000', name: null }]);
    await team.owner.call({ method: 'DELETE', url: `/api/automation-rules/${named.json().rule.id}` });
    await team.owner.call({ method: 'POST', url: `/api/automation-runs/${run!.id}/cancel` });
  });

  it('keeps accounts apart: another account’s rule never fires here, and it cannot read or change this account’s rules', async () => {
    const other = await signUp(api.app);
    const otherRunbook = await runbook([{ title: 'Look', command: 'uptime' }], other);
    // The other account has no target: a rule there needs one of its own, so the foreign target id is refused.
    const foreign = await other.call({ method: 'POST', url: '/api/automation-rules', payload: { name: 'x', runbookId: otherRunbook, targetId } });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.details[0].field).toBe('targetId');
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const mine = await rule(team.owner, { runbookId: rb, services: [`mine-${hex()}`] });
    const id = mine.json().rule.id;
    expect((await other.call({ method: 'GET', url: `/api/automation-rules/${id}` })).statusCode).toBe(404);
    expect((await other.call({ method: 'PATCH', url: `/api/automation-rules/${id}`, payload: { enabled: false } })).statusCode).toBe(404);
    expect((await other.call({ method: 'DELETE', url: `/api/automation-rules/${id}` })).statusCode).toBe(404);
    expect((await other.call({ method: 'GET', url: '/api/automation-rules' })).json().rules).toEqual([]);
    // A rule inserted for the other account (as a database admin, bypassing the API) still never sees our incidents.
    const [{ id: otherTarget }] = await api.db.admin<[{ id: string }]>`
      insert into automation_targets (id, account_id, kind, name, config) values (${randomUUID()}, ${other.accountId}, 'ssh', 'x', '{}') returning id`;
    const [{ id: otherRule }] = await api.db.admin<[{ id: string }]>`
      insert into automation_rules (id, account_id, name, runbook_id, target_id) values (${randomUUID()}, ${other.accountId}, 'any', ${otherRunbook}, ${otherTarget}) returning id`;
    const service = `isolated-${hex()}`;
    await fireAlert(service);
    await incidentOf(service);
    await unified(team.owner.accountId);
    expect(await api.db.admin`select 1 from automation_rule_firings where rule_id = ${otherRule}`).toHaveLength(0);
  });
});

describe('schedules', () => {
  it('creates a Temporal Schedule with next run times; a trigger creates a run requested in the creator’s name', async () => {
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const res = await team.admin.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: `Nightly ${hex()}`, runbookId: rb, targetId, cron: ['0 3 * * *'], timeZone: 'Europe/Berlin' } });
    expect(res.statusCode, res.body).toBe(201);
    const schedule = res.json().schedule;
    createdSchedules.push(schedule.id);
    expect(schedule.temporalScheduleId).toBe(automationScheduleId(team.owner.accountId, schedule.id));
    expect(schedule.nextRunTimes.length).toBeGreaterThan(0);
    // 03:00 in Berlin is 01:00 or 02:00 UTC.
    expect([1, 2]).toContain(new Date(schedule.nextRunTimes[0]).getUTCHours());

    await api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).trigger();
    const fired = await waitFor('the schedule fired', async () => {
      const s = (await team.owner.call({ method: 'GET', url: `/api/automation-schedules/${schedule.id}` })).json().schedule;
      return s.lastRunId ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const detail = (await team.owner.call({ method: 'GET', url: `/api/automation-runs/${fired.lastRunId}` })).json();
    expect(detail.run).toMatchObject({ trigger: 'schedule', requestedBy: team.admin.userId, status: 'awaiting_approval' });
    const [entry] = await api.db.admin<{ actorLabel: string }[]>`select actor_label as "actorLabel" from audit_log where action = 'automation_run.requested' and target_id = ${fired.lastRunId}`;
    expect(entry!.actorLabel).toBe(`schedule ${schedule.name}`);
    await workflowState(detail.run.workflowId, 'awaiting_approval');
    expect((await team.admin.call({ method: 'POST', url: `/api/automation-runs/${fired.lastRunId}/approve`, payload: {} })).statusCode).toBe(403);
    await team.owner.call({ method: 'POST', url: `/api/automation-runs/${fired.lastRunId}/cancel` });

    const paused = await team.admin.call({ method: 'POST', url: `/api/automation-schedules/${schedule.id}/pause` });
    expect(paused.json().schedule).toMatchObject({ enabled: false, nextRunTimes: [] });
    expect((await api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).describe()).state.paused).toBe(true);
    const resumed = await team.admin.call({ method: 'POST', url: `/api/automation-schedules/${schedule.id}/resume` });
    expect(resumed.json().schedule.enabled).toBe(true);
    expect((await api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).describe()).state.paused).toBe(false);

    // A change reaches the Temporal Schedule: a new cron and time zone, and paused through PATCH.
    const changed = await team.admin.call({ method: 'PATCH', url: `/api/automation-schedules/${schedule.id}`, payload: { cron: ['30 5 * * *'], timeZone: 'UTC' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().schedule.nextRunTimes.map((t: string) => new Date(t).toISOString().slice(11, 16))).toContain('05:30');
    const badPatch = await team.admin.call({ method: 'PATCH', url: `/api/automation-schedules/${schedule.id}`, payload: { cron: ['30 25 * * *'] } });
    expect(badPatch.statusCode).toBe(400);
    expect(badPatch.json().error.details[0].field).toBe('cron');
    const off = await team.admin.call({ method: 'PATCH', url: `/api/automation-schedules/${schedule.id}`, payload: { enabled: false } });
    expect(off.json().schedule).toMatchObject({ enabled: false, cron: ['30 5 * * *'] });
    expect((await api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).describe()).state.paused).toBe(true);
    const audit = await api.db.admin<{ action: string }[]>`select action from audit_log where target_id = ${schedule.id} order by seq`;
    expect(audit.map((a) => a.action)).toEqual(['automation_schedule.created', 'automation_schedule.paused', 'automation_schedule.resumed', 'automation_schedule.updated', 'automation_schedule.updated']);
    expect((await team.admin.call({ method: 'DELETE', url: `/api/automation-schedules/${schedule.id}` })).statusCode).toBe(204);
    await expect(api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).describe()).rejects.toThrow();
  });

  it('records why a schedule whose runbook was deleted starts nothing', async () => {
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const res = await team.owner.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: `Doomed ${hex()}`, runbookId: rb, targetId, cron: ['@daily'] } });
    expect(res.statusCode, res.body).toBe(201);
    const schedule = res.json().schedule;
    createdSchedules.push(schedule.id);
    expect((await team.owner.call({ method: 'DELETE', url: `/api/runbooks/${rb}` })).statusCode).toBe(204);
    await api.temporal.client.schedule.getHandle(schedule.temporalScheduleId).trigger();
    const fired = await waitFor('the schedule fired', async () => {
      const s = (await team.owner.call({ method: 'GET', url: `/api/automation-schedules/${schedule.id}` })).json().schedule;
      return s.lastFiredAt ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(fired).toMatchObject({ lastRunId: null, lastError: 'the runbook was deleted', runbookTitle: null });
    expect(await api.db.admin`select 1 from automation_runs where schedule_id = ${schedule.id}`).toHaveLength(0);
  });

  it('refuses an invalid cron expression or time zone with a 400 naming the field, creating nothing', async () => {
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const before = (await api.db.admin`select 1 from automation_schedules`).length;
    for (const cron of ['61 * * * *', 'every day', '* * * *']) {
      const res = await team.owner.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: 'Bad', runbookId: rb, targetId, cron: [cron] } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details[0].field).toBe('cron');
    }
    const tz = await team.owner.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: 'Bad', runbookId: rb, targetId, cron: ['0 * * * *'], timeZone: 'Mars/Olympus' } });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().error.details[0].field).toBe('timeZone');
    expect((await api.db.admin`select 1 from automation_schedules`).length).toBe(before);
    expect((await team.responder.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: 'x', runbookId: rb, targetId, cron: ['0 * * * *'] } })).statusCode).toBe(403);
  });

  it('keeps accounts apart', async () => {
    const rb = await runbook([{ title: 'Look', command: 'uptime' }]);
    const res = await team.owner.call({ method: 'POST', url: '/api/automation-schedules', payload: { name: `Mine ${hex()}`, runbookId: rb, targetId, cron: ['0 4 * * *'], enabled: false } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().schedule.id;
    createdSchedules.push(id);
    expect(res.json().schedule.nextRunTimes).toEqual([]);
    const other = await signUp(api.app);
    expect((await other.call({ method: 'GET', url: `/api/automation-schedules/${id}` })).statusCode).toBe(404);
    expect((await other.call({ method: 'POST', url: `/api/automation-schedules/${id}/resume` })).statusCode).toBe(404);
    expect((await other.call({ method: 'DELETE', url: `/api/automation-schedules/${id}` })).statusCode).toBe(404);
    expect((await other.call({ method: 'GET', url: '/api/automation-schedules' })).json().schedules).toEqual([]);
  });
});
