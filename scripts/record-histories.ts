// `npm run record-histories`: runs each workflow scenario on a throwaway Temporal dev server with the real worker and
// an in-memory PGlite, and saves the histories that tests/replay/replay.test.ts replays on every test run.
// Re-record after adding a workflow or a scenario; keep old files, since running executions still have those shapes.
import { writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { buildApp } from '../api/app.ts';
import { loadConfig } from '../config.ts';
import { startEmbeddedDatabase } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { secretBoxOf } from '../db/secret-box.ts';
import { createSql } from '../db/sql.ts';
import { connectTemporal } from '../temporal/client.ts';
import { resolveTemporalCli, startDevServer } from '../temporal/dev-server.ts';
import { ensureSearchAttributes } from '../temporal/search-attributes.ts';
import { createAutomationWorker, createWorker } from '../temporal/worker.ts';
import { emailOutboxSweepWorkflow, emailWorkflowId, echoWorkflow } from '../workflows/index.ts';
import { enqueueEmail } from '../db/outbox.ts';
import { startSmtpServer } from '../devkit/servers/smtp.ts';
import { startOpenAIServer } from '../devkit/servers/openai.ts';
import { startLambdaServer } from '../devkit/servers/lambda.ts';
import { automationRunWorkflowId, verifyAutomationTargetWorkflowId } from '../workflows/automation-run.ts';
import { automationScheduleId } from '../workflows/automation-triggers.ts';
import { runbookGenerationWorkflowId } from '../workflows/runbook.ts';
import { reindexRunbooksWorkflowId } from '../workflows/runbook-index.ts';
import { startPagerDutySimulator } from '../connectors/simulators/pagerduty.ts';
import { backfillWorkflowId, reclusterNowWorkflowId, syncWorkflow, unifyNowWorkflowId } from '../workflows/index.ts';
import { waitFor } from '../devkit/processes.ts';
import { freePort } from '../devkit/ports.ts';

const OUT = fileURLToPath(new URL('../tests/replay/histories/', import.meta.url));
Runtime.install({ logger: new DefaultLogger('WARN') });

const config0 = loadConfig();
const cliPath = resolveTemporalCli({ explicitPath: config0.temporal.cliPath, searchPath: config0.searchPath, toolsDir: config0.toolsDir, install: true });
// A free port: a dev server left over from an interrupted recording must never lend this one its old workflows.
const server = await startDevServer({ cliPath, port: await freePort(), namespace: 'default', logFile: join(tmpdir(), 'record-histories-temporal.log') });
const database = await startEmbeddedDatabase({ dataDir: undefined, port: 0 });
// A real SMTP server on loopback, so the email workflows record their sending paths (sent, refused for good).
const smtp = await startSmtpServer({ user: 'recorder', password: randomBytes(12).toString('hex'), refuse: /^bounce@/ });
// The OpenAI wire format, for runbook generation: a valid runbook unless a test queues other replies.
const openai = await startOpenAIServer({
  chat: () => ({
    title: 'Checkout errors',
    summary: 'Look before touching anything.',
    steps: [{ title: 'Pods', command: 'kubectl get pods -n shop', targetType: 'kubectl', explanation: 'What runs.', risk: 'read-only' }],
  }),
});
// The Lambda Invoke API (SigV4-checked), running the reference function: for automation runs.
const lambda = await startLambdaServer();
const config = loadConfig({
  ALLOW_CUSTOM_VENDOR_URLS: 'true',
  OPENAI_BASE_URL: openai.url,
  OPENAI_API_KEY: openai.apiKey,
  OPENAI_MODEL: 'gpt-recorder',
  DATABASE_URL: database.url,
  TEMPORAL_ADDRESS: server.address,
  TEMPORAL_TASK_QUEUE: 'record-histories',
  NODE_ENV: 'test',
  SMTP_URL: smtp.url,
  INSIGHTS_MASTER_KEY: randomBytes(32).toString('base64'),
});
// The PagerDuty wire format, for the ingestion workflows (a small history: two pages).
const pd = await startPagerDutySimulator({ count: 150, seed: 11, tokens: { 'u+record-histories': 'user', 'u+to-be-revoked': 'user' } });
const sql = createSql(database.url, { max: 4 });
await migrate(sql);
const connection = await NativeConnection.connect({ address: server.address });
await ensureSearchAttributes(connection, 'default');
const workerOptions = { connection, namespace: 'default', taskQueue: 'record-histories', sql, email: config.email, secretBox: secretBoxOf(config), identity: 'record-histories', search: config, webOrigin: config.web.origin };
const worker = await createWorker(workerOptions);
// Automation steps and verify calls run on their own task queue (`record-histories-automation`).
const automation = await createAutomationWorker(workerOptions);
const automationRun = automation.run();
const temporal = await connectTemporal({ address: server.address, namespace: 'default' });
const app = await buildApp({ config, sql, temporal, version: 'record', jwtSecret: randomBytes(48).toString('base64url'), secretBox: secretBoxOf(config) });

async function save(name: string, workflowId: string): Promise<void> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

const signUp = await app.inject({
  method: 'POST',
  url: '/api/auth/signup',
  payload: { email: 'recorder@example.com', password: 'recording histories 2026', name: 'Recorder', accountName: 'Recordings' },
});
const { accessToken } = signUp.json() as { accessToken: string };

async function startEcho(payload: Record<string, unknown>): Promise<{ id: string; workflowId: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/jobs/echo', payload, headers: { authorization: `Bearer ${accessToken}` } });
  if (res.statusCode !== 202) throw new Error(`echo job refused: ${res.body}`);
  return res.json().job;
}

await worker.runUntil(async () => {
  // 1. The happy path.
  const completed = await startEcho({ message: 'recorded: completed', steps: 2, stepMs: 10 });
  await temporal.client.workflow.getHandle(completed.workflowId).result();
  await save('echoWorkflow-completed', completed.workflowId);

  // 2. Cancelled while the activity runs.
  const cancelled = await startEcho({ message: 'recorded: cancelled', steps: 500, stepMs: 100 });
  await waitFor('the job to run', async () => {
    const [row] = await sql<[{ progress_done: number }]>`select progress_done from jobs where id = ${cancelled.id}`;
    return row.progress_done > 0 ? true : undefined;
  }, { timeoutMs: 30_000 });
  await temporal.client.workflow.getHandle(cancelled.workflowId).cancel();
  await temporal.client.workflow.getHandle(cancelled.workflowId).result().catch(() => undefined);
  await save('echoWorkflow-cancelled', cancelled.workflowId);

  // 3. Failed: the job's row is gone, a non-retryable NotFound.
  const workflowId = 'echo/demo/00000000-0000-4000-8000-000000000000';
  const handle = await temporal.client.workflow.start(echoWorkflow, {
    workflowId,
    taskQueue: 'record-histories',
    args: [{ accountId: 'demo', jobId: '00000000-0000-4000-8000-000000000000', message: 'recorded: failed', steps: 1, stepMs: 1 }],
  });
  await handle.result().catch(() => undefined);
  await save('echoWorkflow-failed', workflowId);

  // 4. An email sent: the recorder's address confirmation.
  const deliveryOf = async (recipient: string) => {
    const [row] = await sql<[{ id: string }]>`select delivery_id as id from outbox_emails where recipient = ${recipient} order by id desc limit 1`;
    return emailWorkflowId(row.id);
  };
  const sent = await deliveryOf('recorder@example.com');
  await temporal.client.workflow.getHandle(sent).result();
  await save('emailDeliveryWorkflow-sent', sent);

  // 5. An email refused for good (550).
  await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'bounce@example.com', password: 'recording histories 2026', name: 'Bounce' } });
  const refused = await deliveryOf('bounce@example.com');
  await temporal.client.workflow.getHandle(refused).result().catch(() => undefined);
  await save('emailDeliveryWorkflow-refused', refused);

  // 6. The sweep starting the delivery of an email whose start was lost.
  const stranded = await enqueueEmail(sql, { recipient: 'stranded@example.com', subject: 'Stranded', body: 'Sent by the sweep' });
  await sql`update outbox_emails set created_at = now() - interval '5 minutes' where delivery_id = ${stranded}`;
  const sweep = await temporal.client.workflow.execute(emailOutboxSweepWorkflow, { workflowId: 'email-outbox-sweep-recorded', taskQueue: 'record-histories', args: [{}] });
  if (sweep.started !== 1) throw new Error(`the sweep started ${sweep.started} deliveries, not 1`);
  await temporal.client.workflow.getHandle(emailWorkflowId(stranded)).result();
  await save('emailOutboxSweepWorkflow-started-one', 'email-outbox-sweep-recorded');

  // 7. A backfill that completes, and the unification it started.
  const { accountId } = (await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${accessToken}` } })).json().account as { accountId: string };
  const connect = async (apiKey: string, backfill: boolean) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/integrations',
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { kind: 'pagerduty', name: apiKey, credentials: { apiKey, baseUrl: pd.url }, settings: { history: { days: 120 } }, backfill },
    });
    if (res.statusCode !== 201) throw new Error(`connecting failed: ${res.body}`);
    return (res.json() as { integration: { id: string } }).integration.id;
  };
  const completedId = await connect('u+record-histories', true);
  await temporal.client.workflow.getHandle(backfillWorkflowId(accountId, completedId)).result();
  await save('backfillWorkflow-completed', backfillWorkflowId(accountId, completedId));
  await waitFor('the unification to finish', async () => {
    const description = await temporal.client.workflow.getHandle(unifyNowWorkflowId(accountId)).describe();
    return description.status.name === 'COMPLETED' ? true : undefined;
  }, { timeoutMs: 30_000 });
  // The backfill's end told the unification the import finished: once its last page was unified it started the
  // account's first recluster (which waited for the import). Before that, the first batch started it
  // (`unifyWorkflow-starts-recluster.json`).
  await save('unifyWorkflow-reclusters-after-import', unifyNowWorkflowId(accountId));
  await temporal.client.workflow.getHandle(reclusterNowWorkflowId(accountId)).result();
  await save('reclusterWorkflow-completed', reclusterNowWorkflowId(accountId));
  // A recluster cancelled while it runs: the clusters pages stop saying "computing…" (its failure step).
  const cancelledRecluster = await app.inject({ method: 'POST', url: '/api/clusters/recluster', headers: { authorization: `Bearer ${accessToken}` } });
  if (cancelledRecluster.statusCode !== 202) throw new Error(`recluster refused: ${cancelledRecluster.body}`);
  await temporal.client.workflow.getHandle(reclusterNowWorkflowId(accountId)).cancel();
  await temporal.client.workflow.getHandle(reclusterNowWorkflowId(accountId)).result().catch(() => undefined);
  await save('reclusterWorkflow-cancelled', reclusterNowWorkflowId(accountId));

  // 9. An incremental sync (as its Schedule starts it).
  await temporal.client.workflow.execute(syncWorkflow, { workflowId: 'sync-recorded', taskQueue: 'record-histories', args: [{ accountId, integrationId: completedId }] });
  await save('syncWorkflow-completed', 'sync-recorded');

  // 8. A backfill stopped by a revoked token.
  const revokedId = await connect('u+to-be-revoked', false);
  pd.revokeToken('u+to-be-revoked');
  await app.inject({ method: 'POST', url: `/api/integrations/${revokedId}/backfill`, headers: { authorization: `Bearer ${accessToken}` }, payload: {} });
  await temporal.client.workflow.getHandle(backfillWorkflowId(accountId, revokedId)).result().catch(() => undefined);
  await save('backfillWorkflow-token-revoked', backfillWorkflowId(accountId, revokedId));

  // 10. Runbooks: a re-index, then a draft from the model and one from retrieval alone (LLM use off).
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${accessToken}` } });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.body}`);
    return res.body ? res.json() : undefined;
  };
  await call('POST', '/api/runbooks', {
    title: 'Database connections exhausted',
    description: 'When the pool runs dry.',
    tags: ['database'],
    steps: [{ title: 'Count connections', command: 'psql -c "select count(*) from pg_stat_activity"', targetType: 'sql', explanation: 'How many are open.', risk: 'read-only' }],
  });
  await call('POST', '/api/runbooks/reindex', {});
  await temporal.client.workflow.getHandle(reindexRunbooksWorkflowId(accountId)).result();
  await save('reindexRunbooksWorkflow-completed', reindexRunbooksWorkflowId(accountId));
  const [incident] = await sql<[{ id: string }]>`select id::text from incidents where account_id = ${accountId} order by created_at desc limit 1`;
  const draft = (await call('POST', '/api/runbook-drafts', { incidentId: incident.id })) as { id: string };
  await temporal.client.workflow.getHandle(runbookGenerationWorkflowId(accountId, draft.id)).result();
  await save('runbookGenerationWorkflow-completed', runbookGenerationWorkflowId(accountId, draft.id));
  openai.queueChat('not json', '{"still": "not a runbook"}');
  const invalid = (await call('POST', '/api/runbook-drafts', { incidentId: incident.id })) as { id: string };
  await temporal.client.workflow.getHandle(runbookGenerationWorkflowId(accountId, invalid.id)).result();
  await save('runbookGenerationWorkflow-invalid-twice', runbookGenerationWorkflowId(accountId, invalid.id));
  await call('PUT', '/api/settings/llm', { enabled: false, sendDescriptions: true, sendNotes: true, redactionPatterns: [] });
  const retrieval = (await call('POST', '/api/runbook-drafts', { incidentId: incident.id })) as { id: string };
  await temporal.client.workflow.getHandle(runbookGenerationWorkflowId(accountId, retrieval.id)).result();
  await save('runbookGenerationWorkflow-retrieval', runbookGenerationWorkflowId(accountId, retrieval.id));

  // 11. Automations: a Lambda target verified through the worker, a run approved by a second person and executed,
  // and a run that expires unapproved.
  const created = await call('POST', '/api/automation-targets', {
    name: 'Lambda (recorded)',
    config: { kind: 'lambda', region: lambda.region, functionName: lambda.functionName, endpoint: lambda.url },
    secrets: { accessKeyId: lambda.accessKeyId, secretAccessKey: lambda.secretAccessKey },
  });
  const targetId = (created as { target: { id: string } }).target.id;
  // Each verification has an id of its own under the target's (`verify-target/<account>/<target>/<uuid>`).
  const verifyId = await waitFor('the verification in the visibility store', async () => {
    for await (const w of temporal.client.workflow.list({ query: `WorkflowType="verifyAutomationTargetWorkflow"` })) {
      if (w.workflowId.startsWith(verifyAutomationTargetWorkflowId(accountId, targetId))) return w.workflowId;
    }
    return undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  await save('verifyAutomationTargetWorkflow-verified', verifyId);
  const book = (await call('POST', '/api/runbooks', {
    title: 'Look around',
    steps: [
      { title: 'Who', command: 'id -un', targetType: 'shell', explanation: 'The user.', risk: 'read-only' },
      { title: 'Uptime', command: 'uptime', targetType: 'shell', explanation: 'Load.', risk: 'read-only' },
    ],
  })) as { id: string };
  const approverSignUp = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'approver@example.com', password: 'recording histories 2026', name: 'Approver' } });
  const approver = approverSignUp.json() as { accessToken: string; user: { id: string } };
  await sql`insert into memberships (account_id, user_id, role, approver) values (${accountId}, ${approver.user.id}, 'admin', true)`;
  const asApprover = { authorization: `Bearer ${approver.accessToken}` };
  await app.inject({ method: 'POST', url: '/api/auth/switch-account', payload: { accountId }, headers: asApprover });
  const run = (await call('POST', '/api/automation-runs', { runbookId: book.id, targetId })) as { run: { id: string; workflowId: string } };
  await waitFor('the run to wait for approval', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/automation-runs/${run.run.id}/approve`, payload: { comment: 'recorded' }, headers: asApprover });
    return res.statusCode < 300 ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  await temporal.client.workflow.getHandle(run.run.workflowId).result();
  await save('automationRunWorkflow-completed', automationRunWorkflowId(accountId, run.run.id));

  // 12. Triggers: a schedule's firing that starts a run (and its approval emails), and an Alertmanager webhook
  // incident matching an auto-run rule: the unification starts the run, which runs without approval.
  const schedule = (await call('POST', '/api/automation-schedules', { name: 'Nightly look', runbookId: book.id, targetId, cron: ['0 3 * * *'], timeZone: 'UTC' })) as { schedule: { id: string } };
  await temporal.client.schedule.getHandle(automationScheduleId(accountId, schedule.schedule.id)).trigger();
  const firing = await waitFor('the schedule’s firing', async () => {
    for await (const w of temporal.client.workflow.list({ query: `WorkflowType="automationScheduleWorkflow"` })) return w.workflowId;
    return undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  await temporal.client.workflow.getHandle(firing).result();
  await save('automationScheduleWorkflow-started-run', firing);
  await call('DELETE', `/api/automation-schedules/${schedule.schedule.id}`);

  const rule = (await call('POST', '/api/automation-rules', { name: 'Look on checkout alerts', runbookId: book.id, targetId, services: ['checkout'], autoRun: true })) as { rule: { id: string } };
  const am = (await call('POST', '/api/integrations', { kind: 'alertmanager', name: 'Prometheus (recorded)' })) as { integration: { webhook: { url: string } }; webhookSecret: string };
  const webhook = await app.inject({
    method: 'POST',
    url: new URL(am.integration.webhook.url).pathname,
    headers: { authorization: `Bearer ${am.webhookSecret}` },
    payload: {
      version: '4', groupKey: '{}:{alertname="HighLoad"}', truncatedAlerts: 0, status: 'firing', receiver: 'insights',
      groupLabels: { alertname: 'HighLoad' }, commonLabels: { alertname: 'HighLoad' }, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'HighLoad', severity: 'critical', service: 'checkout' }, annotations: { summary: 'High load on checkout' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: 'recorded-1' }],
    },
  });
  if (webhook.statusCode !== 202) throw new Error(`the webhook failed: ${webhook.body}`);
  const ruleRun = await waitFor('the rule’s run', async () => {
    const [row] = await sql<{ id: string }[]>`select id from automation_runs where rule_id = ${rule.rule.id}`;
    return row?.id;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  // The row is written before the unification starts the run's workflow.
  await waitFor('the rule’s run workflow', () => temporal.client.workflow.getHandle(automationRunWorkflowId(accountId, ruleRun)).describe().catch(() => undefined), { timeoutMs: 30_000, intervalMs: 200 });
  await temporal.client.workflow.getHandle(automationRunWorkflowId(accountId, ruleRun)).result();
  await save('automationRunWorkflow-auto-run', automationRunWorkflowId(accountId, ruleRun));
  await waitFor('the unification to finish', async () => {
    const description = await temporal.client.workflow.getHandle(unifyNowWorkflowId(accountId)).describe();
    return description.status.name === 'COMPLETED' ? true : undefined;
  }, { timeoutMs: 30_000 });
  await save('unifyWorkflow-starts-rule-runs', unifyNowWorkflowId(accountId));
});
automation.shutdown();
await automationRun;

await app.close();
await temporal.close();
await connection.close();
await sql.end();
await database.stop();
await server.stop();
await smtp.stop();
await pd.close();
await openai.close();
await lambda.close();
