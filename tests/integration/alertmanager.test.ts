// A real Prometheus Alertmanager (Debian's package), started here, posts firing and resolved alerts to the
// integration's webhook with its bearer secret: an alert becomes one incident that opens and resolves (MTTR from
// startsAt to endsAt), another alert becomes another incident, and the notifications Alertmanager sends again
// (every group_interval while the group changes, each carrying the whole group) duplicate nothing.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, waitFor, type TestDatabase } from '../helpers.ts';
import { startAlertmanager, type PostableAlert, type RecordedNotification, type TestAlertmanager } from '../servers/alertmanager.ts';

const api = useApi({}, { listen: true, worker: true });
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;
let am: TestAlertmanager;

let integrationId: string;
let webhookUrl: string;
let webhookSecret: string;

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);

  const created = await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'alertmanager', name: 'Prometheus (real Alertmanager)' } });
  expect(created.statusCode, created.body).toBe(201);
  integrationId = created.json().integration.id;
  webhookSecret = created.json().webhookSecret;
  webhookUrl = api.local(created.json().integration.webhook.url);
  expect(webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

  am = await startAlertmanager({ webhookUrl, bearer: webhookSecret, groupBy: ['alertname'] });
});

afterAll(async () => {
  await am?.stop();
});

interface IncidentRow {
  id: string;
  externalId: string;
  dedupKey: string;
  title: string;
  severity: string;
  service: string | null;
  status: string;
  createdAt: Date;
  resolvedAt: Date | null;
  mttrSeconds: number | null;
  timeline: { type: string; at: string }[];
  updatedAt: Date;
}

const incidents = () => db.admin<IncidentRow[]>`
  select id, external_id as "externalId", dedup_key as "dedupKey", title, severity, service, status, created_at as "createdAt",
         resolved_at as "resolvedAt", mttr_seconds as "mttrSeconds", timeline, updated_at as "updatedAt"
  from incidents where integration_id = ${integrationId} order by created_at, id`;

const rawEventKeys = async (externalId: string) =>
  (await db.admin<{ eventKey: string }[]>`select event_key as "eventKey" from raw_events where integration_id = ${integrationId} and external_id = ${externalId} order by id`).map((r) => r.eventKey);

/** Polls the incidents until `check` accepts them; stops at once if Alertmanager died. */
const waitForIncidents = (what: string, check: (rows: IncidentRow[]) => boolean) =>
  waitFor(what, async () => {
    const rows = await incidents();
    return check(rows) ? rows : undefined;
  }, { timeoutMs: 30_000, abortIf: () => am.died() });

const waitForNotification = (what: string, check: (n: RecordedNotification) => boolean) =>
  waitFor(what, () => am.notifications.find(check), { timeoutMs: 30_000, abortIf: () => am.died() });

const alertIn = (n: RecordedNotification, fingerprint: string) => n.payload.alerts.find((a) => a.fingerprint === fingerprint);

// Started 90 s ago (as Prometheus' ActiveAt would be), so the MTTR is known to the second.
const startedA = new Date(Date.now() - 90_000);
const diskA: PostableAlert = {
  labels: { alertname: 'InsightsDiskPressure', instance: 'batch-node-17', job: 'node', severity: 'critical' },
  annotations: { summary: 'Disk pressure on batch-node-17', description: 'Less than 5% of /var is free', runbook_url: 'https://runbooks.example/disk' },
  startsAt: startedA.toISOString(),
  generatorURL: 'http://prometheus.example:9090/graph?g0.expr=node_filesystem_avail_bytes',
};
const startedB = new Date(Date.now() - 30_000);
const diskB: PostableAlert = {
  labels: { alertname: 'InsightsDiskPressure', instance: 'batch-node-18', job: 'node', severity: 'warning' },
  annotations: { summary: 'Disk pressure on batch-node-18' },
  startsAt: startedB.toISOString(),
};

describe('a real Prometheus Alertmanager posting to the webhook', () => {
  let fpA: string;
  let fpB: string;
  let incidentA: IncidentRow;
  const externalA = () => `${fpA}@${startedA.toISOString()}`;
  const externalB = () => `${fpB}@${startedB.toISOString()}`;

  it('sends a firing alert with the bearer secret, and it becomes one triggered incident', async () => {
    fpA = await am.fire(diskA);
    const [row, ...others] = await waitForIncidents('the firing alert unified', (rows) => rows.length > 0);
    expect(others).toEqual([]);
    incidentA = row!;
    expect(incidentA).toMatchObject({
      externalId: externalA(),
      dedupKey: fpA,
      title: 'Disk pressure on batch-node-17',
      severity: 'P1',
      service: 'node',
      status: 'triggered',
      resolvedAt: null,
      mttrSeconds: null,
    });
    expect(incidentA.createdAt.toISOString()).toBe(startedA.toISOString());

    // What Alertmanager sent (its copy to the recorder): webhook v4, the secret as a bearer token, the alert firing.
    const sent = am.notifications[0]!;
    expect(sent.headers.authorization).toBe(`Bearer ${webhookSecret}`);
    expect(sent.payload).toMatchObject({ version: '4', status: 'firing', receiver: 'insights' });
    expect(sent.payload.alerts.map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([[fpA, 'firing', '0001-01-01T00:00:00Z']]);
    expect(await rawEventKeys(externalA())).toEqual([`${externalA()}:firing`]);
  });

  it('a second alert of the group is a second incident; the first, sent again with it, is not duplicated', async () => {
    fpB = await am.fire(diskB);
    expect(fpB).not.toBe(fpA);
    // Alertmanager notifies the whole group again: the first alert, unchanged, rides along with the new one.
    const again = await waitForNotification('the group notified again with both alerts', (n) => alertIn(n, fpA)?.status === 'firing' && alertIn(n, fpB)?.status === 'firing');
    expect(again.payload.alerts).toHaveLength(2);
    const rows = await waitForIncidents('the second alert unified', (r) => r.length === 2);
    const b = rows.find((r) => r.dedupKey === fpB)!;
    expect(b).toMatchObject({ externalId: externalB(), title: 'Disk pressure on batch-node-18', severity: 'P3', status: 'triggered' });
    // The API got that same notification (the second incident came only in it): the first alert's event was a repeat.
    expect(await rawEventKeys(externalA())).toEqual([`${externalA()}:firing`]);
    expect(rows.find((r) => r.dedupKey === fpA)).toEqual(incidentA);

    // A redelivery of the very bytes (as after a timeout on Alertmanager's side) is accepted and stores nothing.
    const redelivered = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: again.headers.authorization! }, body: again.body });
    expect(redelivered.status).toBe(202);
    expect(await redelivered.json()).toEqual({ received: 2, stored: 0, filtered: 0 });
    expect(await incidents()).toEqual(rows);
  });

  it('resolving the alert resolves the same incident, with resolved_at from endsAt and the MTTR', async () => {
    const endedA = new Date();
    await am.resolve(diskA, endedA);
    const rows = await waitForIncidents('the first incident resolved', (r) => r.find((i) => i.dedupKey === fpA)?.status === 'resolved');
    expect(rows).toHaveLength(2);
    const a = rows.filter((r) => r.dedupKey === fpA);
    expect(a).toHaveLength(1); // the same row, not a new one
    expect(a[0]!.id).toBe(incidentA.id);
    expect(a[0]!.externalId).toBe(externalA());
    expect(a[0]!.createdAt.toISOString()).toBe(startedA.toISOString());
    expect(a[0]!.resolvedAt?.toISOString()).toBe(endedA.toISOString());
    expect(a[0]!.mttrSeconds).toBe(Math.round((endedA.getTime() - startedA.getTime()) / 1000));
    expect(a[0]!.mttrSeconds).toBeGreaterThanOrEqual(90);
    expect(a[0]!.timeline.map((e) => [e.type, e.at])).toEqual([
      ['triggered', startedA.toISOString()],
      ['resolved', endedA.toISOString()],
    ]);
    expect(await rawEventKeys(externalA())).toEqual([`${externalA()}:firing`, `${externalA()}:resolved@${endedA.toISOString()}`]);

    // That notification carried the second alert, still firing, once more: it stays one triggered incident.
    const sent = await waitForNotification('the resolution sent', (n) => alertIn(n, fpA)?.status === 'resolved');
    expect(alertIn(sent, fpB)?.status).toBe('firing');
    expect(rows.find((r) => r.dedupKey === fpB)?.status).toBe('triggered');
    expect(await rawEventKeys(externalB())).toEqual([`${externalB()}:firing`]);

    // The incidents API shows the same: two incidents, the first resolved with its MTTR.
    const listed = await owner.call({ method: 'GET', url: `/api/incidents?integrationId=${integrationId}` });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().incidents.map((i: { externalId: string; status: string; mttrSeconds: number | null }) => [i.externalId, i.status, i.mttrSeconds]).sort()).toEqual(
      [
        [externalA(), 'resolved', a[0]!.mttrSeconds],
        [externalB(), 'triggered', null],
      ].sort(),
    );
  });

  it('the second alert resolves on its own incident', async () => {
    const endedB = new Date();
    await am.resolve(diskB, endedB);
    const rows = await waitForIncidents('the second incident resolved', (r) => r.find((i) => i.dedupKey === fpB)?.status === 'resolved');
    expect(rows.map((r) => [r.externalId, r.status])).toEqual([
      [externalA(), 'resolved'],
      [externalB(), 'resolved'],
    ]);
    const b = rows.find((r) => r.dedupKey === fpB)!;
    expect(b.resolvedAt?.toISOString()).toBe(endedB.toISOString());
    expect(b.mttrSeconds).toBe(Math.round((endedB.getTime() - startedB.getTime()) / 1000));
  });

  it('the same alert firing again after its resolution is a new incident, the resolved one untouched', async () => {
    const before = (await incidents()).find((r) => r.dedupKey === fpA)!;
    const restarted = new Date();
    expect(await am.fire({ ...diskA, startsAt: restarted.toISOString() })).toBe(fpA);
    const rows = await waitForIncidents('the new firing unified', (r) => r.length === 3);
    const firings = rows.filter((r) => r.dedupKey === fpA);
    expect(firings.map((r) => [r.externalId, r.status])).toEqual([
      [externalA(), 'resolved'],
      [`${fpA}@${restarted.toISOString()}`, 'triggered'],
    ]);
    expect(firings[0]).toEqual(before);
  });
});
