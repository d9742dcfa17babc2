// Email through SMTP: every email the API commits to the outbox is delivered by a workflow through a real SMTP
// server, at least once, retried while the server is down, given up for good on a permanent refusal, and swept up
// when its delivery never started. Links never reach workflow histories, and bodies leave the database once sent.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../db/outbox.ts';
import type { Config } from '../../config.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { ensureSchedules, EMAIL_SWEEP_SCHEDULE_ID } from '../../temporal/schedules.ts';
import { emailOutboxSweepWorkflow, emailWorkflowId } from '../../workflows/index.ts';
import { buildTestApp, signUp } from '../../devkit/app.ts';
import { createTestDatabase, startWorker, testConfig, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';
import { startSmtpServer, type TestSmtpServer } from '../../devkit/servers/smtp.ts';

const SMTP_PASSWORD = 'smtp-password-that-must-stay-secret';

let db: TestDatabase;
let smtp: TestSmtpServer;
let config: Config;
let temporal: TemporalClient;
let app: FastifyInstance;
let worker: RunningWorker;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer({ user: 'insights', password: SMTP_PASSWORD, refuse: /^bounce-/ });
  config = testConfig(db.url, { SMTP_URL: smtp.url, SMTP_FROM: 'Incident Insights <alerts@insights.example>' });
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  worker = await startWorker(config, db.sql);
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  await temporal?.close();
  await smtp?.stop();
  await db?.drop();
});

const outboxRow = async (recipient: string) => {
  const [row] = await db.admin<[{ id: string; body: string | null; sentAt: Date | null; failedAt: Date | null; attempts: number; lastError: string | null }?]>`
    select delivery_id as id, body, sent_at as "sentAt", failed_at as "failedAt", attempts, last_error as "lastError"
    from outbox_emails where recipient = ${recipient} order by outbox_emails.id desc limit 1`;
  return row;
};

const linkIn = (text: string | undefined, path: string) => decodeURIComponent(new RegExp(`${path}\\?token=(\\S+)`).exec(text ?? '')?.[1] ?? '');

describe('delivery', () => {
  it('sends the confirmation email through SMTP with the configured sender, then drops its body from the outbox', async () => {
    const user = await signUp(app, { confirmEmail: false });
    const mail = await smtp.waitForMessageTo(user.email);
    expect(mail.subject).toBe('Confirm your email for Incident Insights');
    expect(mail.from?.value).toEqual([{ name: 'Incident Insights', address: 'alerts@insights.example' }]);
    expect(smtp.logins).toContain('insights');
    const token = linkIn(mail.text, '/verify-email');
    expect(token).not.toBe('');

    const row = await waitFor('the outbox row marked sent', async () => ((await outboxRow(user.email))?.sentAt ? outboxRow(user.email) : undefined), { timeoutMs: 10_000 });
    expect(row).toMatchObject({ body: null, attempts: 1, failedAt: null });
    expect(mail.messageId).toBe(`<outbox-${row!.id}@insights.example>`);
    // The emailed link works like the one a developer reads from the outbox.
    expect((await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token } })).statusCode).toBe(204);

    // The workflow carried the outbox id only: no address, no link, no SMTP password in its history.
    const history = JSON.stringify(await temporal.client.workflow.getHandle(emailWorkflowId(row!.id)).fetchHistory());
    for (const secret of [token, SMTP_PASSWORD, user.email]) expect(history).not.toContain(secret);
  });

  it('keeps trying while the mail server is down and delivers once it is back', async () => {
    // (Not confirming the address here: the sign-up's own email may be gone from the outbox before a test reads it.)
    const user = await signUp(app, { confirmEmail: false });
    await smtp.waitForMessageTo(user.email);
    await smtp.stop();
    try {
      expect((await app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: user.email } })).statusCode).toBe(202);
      const failing = await waitFor('a failed attempt recorded', async () => {
        const row = await outboxRow(user.email);
        return row && row.attempts >= 1 && row.lastError && !row.sentAt ? row : undefined;
      }, { timeoutMs: 20_000 });
      expect(failing.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(failing.body).toContain('/reset-password?token=');
    } finally {
      await smtp.start();
    }
    await smtp.waitForMessageTo(user.email, { subject: 'Reset your Incident Insights password', timeoutMs: 60_000 });
    const row = await waitFor('sent', async () => ((await outboxRow(user.email))?.sentAt ? outboxRow(user.email) : undefined), { timeoutMs: 10_000 });
    expect(row!.attempts).toBeGreaterThanOrEqual(2);
    expect(row!.body).toBeNull();
    // Exactly one copy arrived.
    expect(smtp.messages.filter((m) => m.subject === 'Reset your Incident Insights password' && m.to && JSON.stringify(m.to).includes(user.email))).toHaveLength(1);
  });

  it('gives up at once on a permanent refusal, marking the email failed', async () => {
    const email = `bounce-${Date.now()}@example.com`;
    await signUp(app, { email, confirmEmail: false });
    const row = await waitFor('the email marked failed', async () => ((await outboxRow(email))?.failedAt ? outboxRow(email) : undefined), { timeoutMs: 20_000 });
    expect(row).toMatchObject({ attempts: 1, body: null, sentAt: null });
    expect(row!.lastError).toMatch(/^SMTP 550/);
    const handle = temporal.client.workflow.getHandle(emailWorkflowId(row!.id));
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('FAILED');
  });
});

describe('the sweep', () => {
  it('starts the delivery of an email whose start was lost, and only once', async () => {
    const recipient = `stranded-${Date.now()}@example.com`;
    const id = await enqueueEmail(db.sql, { recipient, subject: 'Stranded', body: 'Sent by the sweep' });
    await db.admin`update outbox_emails set created_at = now() - interval '5 minutes' where delivery_id = ${id}`;
    const run = () => temporal.client.workflow.execute(emailOutboxSweepWorkflow, { workflowId: `email-outbox-sweep-test-${id}-${Date.now()}`, taskQueue: config.temporal.taskQueue, args: [{}] });
    const first = await run();
    expect(first.started).toBeGreaterThanOrEqual(1);
    const mail = await smtp.waitForMessageTo(recipient);
    expect(mail.text?.trim()).toBe('Sent by the sweep');
    await waitFor('sent', async () => ((await outboxRow(recipient))?.sentAt ? true : undefined), { timeoutMs: 10_000 });
    const again = await run();
    expect(again.started).toBe(0);
  });

  it('is a Temporal Schedule that operators can see, created once however often the API starts', async () => {
    await ensureSchedules(temporal, config);
    await ensureSchedules(temporal, config);
    const schedule = await temporal.client.schedule.getHandle(EMAIL_SWEEP_SCHEDULE_ID).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'emailOutboxSweepWorkflow' });
    expect(schedule.spec.intervals?.[0]?.every).toBe(300_000);
  });
});
