// The Helm chart in deploy/helm: `helm lint` and `helm template` when helm is installed (PATH or ~/go/bin; CI builds
// it, and fails on the skip when it cannot), assertions on the rendered manifests (requests, probes, secrets only in
// Secrets, roles), and a structural lint of the sources.
// And the worker roles the chart deploys: automation activities wait for a worker of the automation role.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SECRET_VARIABLES } from '../../config.ts';
import { stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, listWorkflowPollers } from '../../temporal/client.ts';
import { automationTaskQueue } from '../../temporal/task-queues.ts';
import { verifyAutomationTargetWorkflow } from '../../workflows/automation-run.ts';
import { createTestDatabase, spawnWorkerProcess, testConfig, waitFor } from '../helpers.ts';

const CHART = resolve('deploy', 'helm', 'incident-insights');

function findHelm(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), join(homedir(), 'go', 'bin')];
  return dirs.map((d) => join(d, 'helm')).find((p) => existsSync(p));
}
const helm = findHelm();

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Sentinels standing in for real secrets: they may appear in Secrets only. */
const SENTINELS = {
  DATABASE_URL: 'postgres://app:sentinel-db-password@db.example.com:5432/insights?sslmode=require',
  INSIGHTS_MASTER_KEY: 'sentinel-master-key',
  JWT_SECRET: 'sentinel-jwt-secret',
  TEMPORAL_API_KEY: 'sentinel-temporal-api-key',
};

function template(args: string[] = []): Manifest[] {
  const out = execFileSync(helm!, ['template', 'ii', CHART, ...Object.entries(SENTINELS).flatMap(([k, v]) => ['--set-string', `secrets.values.${k}=${v}`]), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
const named = (ms: Manifest[], kind: string, component: string) => ms.find((m) => m.kind === kind && m.metadata.labels?.['app.kubernetes.io/component'] === component);
const envOf = (container: any): Record<string, any> => Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe.skipIf(!helm)('the Helm chart, rendered by helm', () => {
  it('passes helm lint with the default values and with the Temporal Cloud example', () => {
    execFileSync(helm!, ['lint', CHART, '--strict'], { encoding: 'utf8' });
    execFileSync(helm!, ['lint', CHART, '--strict', '-f', join(CHART, 'values-temporal-cloud.yaml')], { encoding: 'utf8' });
  });

  it('renders api, web, worker and automation-worker Deployments whose every container has requests, limits and probes', () => {
    const ms = template();
    const deployments = byKind(ms, 'Deployment');
    expect(deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual(['api', 'automation-worker', 'web', 'worker']);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.terminationGracePeriodSeconds, d.metadata.name).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.resources?.requests?.cpu, `${d.metadata.name} cpu request`).toBeTruthy();
        expect(c.resources?.requests?.memory, `${d.metadata.name} memory request`).toBeTruthy();
        expect(c.resources?.limits?.memory, `${d.metadata.name} memory limit`).toBeTruthy();
        expect(c.livenessProbe?.httpGet?.path, `${d.metadata.name} liveness`).toBeTruthy();
        expect(c.readinessProbe?.httpGet?.path, `${d.metadata.name} readiness`).toBeTruthy();
      }
    }
    const api = named(ms, 'Deployment', 'api')!.spec.template.spec.containers[0];
    expect([api.livenessProbe.httpGet.path, api.readinessProbe.httpGet.path]).toEqual(['/api/livez', '/api/readyz']);
    expect(api.lifecycle.preStop.exec.command[0]).toBe('sleep');
    const web = named(ms, 'Deployment', 'web')!.spec.template.spec.containers[0];
    expect(web.readinessProbe.httpGet.path).toBe('/healthz');
    expect(envOf(web).API_URL).toBe('http://ii-incident-insights-api:3001');
    // Services: the API and the web server; pod selectors match the Deployments'.
    for (const component of ['api', 'web']) {
      const svc = named(ms, 'Service', component)!;
      expect(named(ms, 'Deployment', component)!.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    }
  });

  it('splits the workers by role and lets each drain for longer than its shutdown grace', () => {
    const ms = template();
    for (const [component, role] of [['worker', 'main'], ['automation-worker', 'automation']] as const) {
      const pod = named(ms, 'Deployment', component)!.spec.template.spec;
      const c = pod.containers[0];
      const env = envOf(c);
      expect(env.WORKER_ROLE).toBe(role);
      expect(c.command).toEqual(['node', 'temporal/worker.ts']);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(env.WORKER_SHUTDOWN_GRACE_SECONDS));
      expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
    }
    // The automation worker has its own service account (cloud IAM) and its own credentials; the main worker has neither.
    const automation = named(ms, 'Deployment', 'automation-worker')!.spec.template.spec;
    expect(automation.serviceAccountName).toBe('ii-incident-insights-automation-worker');
    expect(automation.containers[0].envFrom.some((e: any) => e.secretRef?.name === 'ii-incident-insights-automation-secrets')).toBe(true);
    const main = named(ms, 'Deployment', 'worker')!.spec.template.spec;
    expect(main.serviceAccountName).toBeUndefined();
    expect(main.containers[0].envFrom.some((e: any) => e.secretRef)).toBe(false);
    // Without the automation worker, the main worker polls both queues.
    const single = template(['--set', 'automationWorker.enabled=false']);
    expect(named(single, 'Deployment', 'automation-worker')).toBeUndefined();
    expect(envOf(named(single, 'Deployment', 'worker')!.spec.template.spec.containers[0]).WORKER_ROLE).toBe('all');
  });

  it('keeps every secret out of the ConfigMap and out of plain env values, and refuses one put in config.extra', () => {
    const ms = template(['--set-string', 'config.extra.AWS_REGION=eu-west-1']);
    const [configMap] = byKind(ms, 'ConfigMap');
    expect(configMap!.data!.AWS_REGION).toBe('eu-west-1');
    for (const name of SECRET_VARIABLES) expect(Object.keys(configMap!.data!)).not.toContain(name);
    const secrets = byKind(ms, 'Secret');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]!.stringData).toMatchObject(SENTINELS);
    const outsideSecrets = JSON.stringify(ms.filter((m) => m.kind !== 'Secret'));
    for (const value of Object.values(SENTINELS)) expect(outsideSecrets).not.toContain(value);
    // Secrets reach containers by reference only.
    for (const d of byKind(ms, 'Deployment')) {
      for (const c of d.spec.template.spec.containers) {
        for (const e of c.env ?? []) if ((SECRET_VARIABLES as readonly string[]).includes(e.name)) expect(e.valueFrom?.secretKeyRef, `${d.metadata.name} ${e.name}`).toBeTruthy();
      }
    }
    // The web server gets no database or master key.
    const webEnv = envOf(named(ms, 'Deployment', 'web')!.spec.template.spec.containers[0]);
    expect(webEnv.DATABASE_URL).toBeUndefined();
    expect(webEnv.INSIGHTS_MASTER_KEY).toBeUndefined();
    expect(() => template(['--set-string', 'config.extra.OPENAI_API_KEY=sk-oops'])).toThrow(/config\.extra\.OPENAI_API_KEY carries a secret/);
    // With an existing Secret, the chart creates none and every reference names it.
    const existing = template(['--set', 'existingSecret=from-vault']);
    expect(byKind(existing, 'Secret')).toHaveLength(0);
    expect(JSON.stringify(existing)).toContain('"name":"from-vault"');
  });

  it('points at Temporal Cloud with mTLS from a mounted certificate, or with an API key', () => {
    const ms = template(['-f', join(CHART, 'values-temporal-cloud.yaml')]);
    const data = byKind(ms, 'ConfigMap')[0]!.data!;
    expect(data).toMatchObject({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT_PATH: '/etc/temporal-tls/tls.crt', TEMPORAL_TLS_KEY_PATH: '/etc/temporal-tls/tls.key' });
    for (const component of ['api', 'worker', 'automation-worker']) {
      const pod = named(ms, 'Deployment', component)!.spec.template.spec;
      expect(pod.volumes.find((v: any) => v.name === 'temporal-tls').secret.secretName).toBe('temporal-client');
      expect(pod.containers[0].volumeMounts.find((v: any) => v.name === 'temporal-tls').mountPath).toBe('/etc/temporal-tls');
    }
    expect(named(ms, 'Deployment', 'web')!.spec.template.spec.volumes).toBeUndefined();
    const withKey = template(['--set', 'temporal.apiKey=true']);
    expect(byKind(withKey, 'ConfigMap')[0]!.data!.TEMPORAL_TLS).toBe('true');
    expect(envOf(named(withKey, 'Deployment', 'worker')!.spec.template.spec.containers[0]).TEMPORAL_API_KEY.secretKeyRef.key).toBe('TEMPORAL_API_KEY');
  });

  it('scales workers on their task queue backlog (an external metric) and protects every component with a PodDisruptionBudget', () => {
    const ms = template(['--set', 'worker.autoscaling.enabled=true', '--set', 'automationWorker.autoscaling.enabled=true', '--set', 'temporal.taskQueue=prod']);
    const hpas = byKind(ms, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => [h.spec.scaleTargetRef.name, h.spec.metrics[0].type, h.spec.metrics[0].external.metric.selector.matchLabels.task_queue])).toEqual([
      ['ii-incident-insights-worker', 'External', 'prod'],
      ['ii-incident-insights-automation-worker', 'External', 'prod-automation'],
    ]);
    // With an HPA the Deployment leaves replicas to it.
    expect(named(ms, 'Deployment', 'worker')!.spec.replicas).toBeUndefined();
    expect(byKind(template(), 'HorizontalPodAutoscaler')).toHaveLength(0);
    const pdbs = byKind(ms, 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.labels?.['app.kubernetes.io/component']).sort()).toEqual(['api', 'automation-worker', 'web', 'worker']);
    for (const p of pdbs) expect(p.spec.minAvailable ?? p.spec.maxUnavailable).toBeDefined();
  });
});

// Without helm, this is all that checks the chart; with it, a quick lint that names the file at fault.
describe('the Helm chart, structural lint of its sources', () => {
  it('has a valid Chart.yaml and values.yaml, and templates that give every container requests and probes', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8'));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'incident-insights' });
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    for (const component of ['api', 'web', 'worker', 'automationWorker']) {
      expect(values[component].resources.requests.cpu, component).toBeTruthy();
      expect(values[component].resources.limits.memory, component).toBeTruthy();
      expect(values[component].terminationGracePeriodSeconds, component).toBeGreaterThan(0);
    }
    for (const key of Object.keys(values.config.extra ?? {})) expect(SECRET_VARIABLES as readonly string[]).not.toContain(key);
    const templates = readdirSync(join(CHART, 'templates'));
    expect(templates).toEqual(expect.arrayContaining(['api.yaml', 'web.yaml', 'worker.yaml', 'configmap.yaml', 'secret.yaml', 'pdb.yaml', '_helpers.tpl']));
    const text = (f: string) => readFileSync(join(CHART, 'templates', f), 'utf8');
    for (const f of ['api.yaml', 'web.yaml', '_helpers.tpl']) {
      for (const needle of ['livenessProbe', 'readinessProbe', 'resources:', 'terminationGracePeriodSeconds']) expect(text(f), `${f} ${needle}`).toContain(needle);
    }
    expect(text('configmap.yaml')).not.toMatch(/DATABASE_URL|MASTER_KEY|JWT_SECRET|API_KEY:/);
  });
});

describe('worker roles', () => {
  const children: Child[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of children) await stopChild(c, 5_000);
    for (const c of cleanups.reverse()) await c();
  });

  it('sends automation activities to the automation queue, which only a worker of the automation (or all) role polls', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const config = testConfig(db.url);
    const temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
    cleanups.push(() => temporal.close());
    const main = spawnWorkerProcess(config, 'deploy-worker-main', { WORKER_ROLE: 'main' });
    children.push(main);
    await waitFor('the main worker to poll', async () => ((await listWorkflowPollers(temporal, config.temporal.taskQueue)).length > 0 ? true : undefined), { timeoutMs: 90_000, intervalMs: 300 });

    // A verify call for a target that does not exist: the activity is scheduled on <queue>-automation and waits there.
    const handle = await temporal.client.workflow.start(verifyAutomationTargetWorkflow, {
      workflowId: `deploy-roles/${randomUUID()}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ accountId: randomUUID(), targetId: randomUUID() }],
    });
    const scheduled = await waitFor('the activity to be scheduled', async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.find((e) => e.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes ?? undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    expect(scheduled.taskQueue?.name).toBe(automationTaskQueue(config));
    expect((await handle.describe()).raw.pendingActivities?.[0]?.state).toBe(1); // SCHEDULED: the main worker leaves it

    const automation = spawnWorkerProcess(config, 'deploy-worker-automation', { WORKER_ROLE: 'automation' });
    children.push(automation);
    // The automation worker takes it (the target is unknown, so the verify call fails: what matters is who ran it).
    await expect(handle.result()).rejects.toThrow();
    const started = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskStartedEventAttributes)!.activityTaskStartedEventAttributes!;
    expect(started.identity).toMatch(new RegExp(`^worker-${automation.process.pid}@`));
  });
});
