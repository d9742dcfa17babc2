// CSV upload: a file read through the csv integration's mapping, stored once however often it is uploaded, refused
// whole (naming the lines) when a row does not fit, and unified within seconds; only for csv integrations, only for
// those who may manage integrations, only in the caller's account.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { joinedTeam, useApi, waitFor, type TestDatabase } from '../helpers.ts';

const api = useApi({}, { worker: true });
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;
let pd: PagerDutySimulator;

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);
  pd = await startPagerDutySimulator({ count: 5, seed: 7, tokens: { 'u+pd-csv-import-0001': 'user' } });
});

afterAll(async () => {
  await pd?.close();
});

const MAPPING = {
  fields: {
    externalId: 'Ticket',
    title: 'Summary',
    service: 'Component',
    severity: 'Priority',
    status: 'State',
    createdAt: 'Opened',
    resolvedAt: 'Closed',
    assignees: 'Owners',
    description: 'Notes',
  },
  labels: { region: 'Region' },
  severityMap: { Sev1: 'P1', Sev2: 'P2', Sev3: 'P3' },
};

const HEADER = 'Ticket,Summary,Component,Priority,State,Opened,Closed,Owners,Notes,Region';

/** As a spreadsheet exports it: CRLF, quoted fields holding commas, doubled quotes and line breaks. */
const EXPORT = [
  HEADER,
  'T-100,"Checkout latency above 2 s, p99 2.4 s",checkout,Sev1,Closed,2026-11-20T09:00:00Z,2026-11-20T10:30:00Z,"Dana Okafor; Chen Wei","Rolled back release 4.2',
  'Latency back to normal",eu-west-1',
  'T-101,Disk pressure on batch-node-17,batch,Sev3,Open,2026-11-21 08:15:00,,,,us-east-1',
  'T-102,"Payment webhook ""retry storm""",payments,Sev2,Investigating,1763800000,,Ada Fernandes,"Vendor incident, see ""status page""",',
  '',
].join('\r\n');

const upload = (caller: SignedIn, integrationId: string, csv: string, contentType = 'text/csv') =>
  caller.call({ method: 'POST', url: `/api/integrations/${integrationId}/import`, headers: { 'content-type': contentType }, payload: csv });

const counts = async (integrationId: string) => {
  const [row] = await db.admin<[{ raw: number; incidents: number }]>`
    select (select count(*)::int from raw_events where integration_id = ${integrationId}) as raw,
           (select count(*)::int from incidents where integration_id = ${integrationId}) as incidents`;
  return row;
};

const createCsvIntegration = async (caller: SignedIn, name = 'Spreadsheet export') => {
  const created = await caller.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'csv', name, settings: { mapping: MAPPING } } });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().integration.id as string;
};

describe('CSV upload', () => {
  let integrationId: string;

  beforeAll(async () => {
    integrationId = await createCsvIntegration(owner);
  });

  it('stores every row of a spreadsheet export and unifies them with the mapped fields', async () => {
    const res = await upload(owner, integrationId, EXPORT);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ rows: 3, stored: 3, duplicates: 0, filtered: 0 });

    await waitFor('the rows unified', async () => ((await counts(integrationId)).incidents === 3 ? true : undefined), { timeoutMs: 20_000 });
    const page = await owner.call({ method: 'GET', url: `/api/incidents?integrationId=${integrationId}` });
    expect(page.statusCode, page.body).toBe(200);
    const byId = Object.fromEntries(page.json().incidents.map((i: { externalId: string }) => [i.externalId, i]));
    expect(byId['T-100']).toMatchObject({
      source: 'csv',
      title: 'Checkout latency above 2 s, p99 2.4 s',
      service: 'checkout',
      severity: 'P1',
      status: 'resolved',
      createdAt: '2026-11-20T09:00:00.000Z',
      resolvedAt: '2026-11-20T10:30:00.000Z',
      mttrSeconds: 5400,
    });
    expect(byId['T-101']).toMatchObject({ title: 'Disk pressure on batch-node-17', service: 'batch', severity: 'P3', status: 'triggered', createdAt: '2026-11-21T08:15:00.000Z' });
    expect(byId['T-102']).toMatchObject({ title: 'Payment webhook "retry storm"', service: 'payments', severity: 'P2', status: 'acknowledged', createdAt: new Date(1763800000 * 1000).toISOString() });

    const [row] = await db.admin<[{ description: string; assignees: string[]; labels: Record<string, string> }]>`
      select description, assignees, labels from incidents where integration_id = ${integrationId} and external_id = 'T-100'`;
    expect(row).toEqual({ description: 'Rolled back release 4.2\r\nLatency back to normal', assignees: ['Dana Okafor', 'Chen Wei'], labels: { region: 'eu-west-1' } });
  });

  it('stores nothing new when the same file is uploaded again', async () => {
    const before = await counts(integrationId);
    const res = await upload(owner, integrationId, EXPORT, 'text/csv; charset=utf-8');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ rows: 3, stored: 0, duplicates: 3, filtered: 0 });
    expect(await counts(integrationId)).toEqual(before);
  });

  it('refuses a file with malformed rows with 400 naming each line, and stores none of it', async () => {
    const before = await counts(integrationId);
    const csv = [
      HEADER,
      'T-200,A good row that must not be stored alone,checkout,Sev2,Open,2026-11-22T09:00:00Z,,,,',
      'T-201,,checkout,Sev2,Open,2026-11-22T09:05:00Z,,,,',
      'T-202,"Queue depth, orders",orders,Sev3,Open,yesterday-ish,,,,',
    ].join('\n');
    const res = await upload(owner, integrationId, csv);
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('invalid_csv');
    expect(error.message).toMatch(/2 of 3 rows .*nothing was stored/);
    expect(error.details).toEqual([
      { field: 'line 3', in: 'body', message: expect.stringMatching(/title \(Summary\) is missing or empty/) },
      { field: 'line 4', in: 'body', message: expect.stringMatching(/createdAt \(Opened\) is not a date\/time: "yesterday-ish"/) },
    ]);
    expect(await counts(integrationId)).toEqual(before);
    const [stray] = await db.admin<[{ n: number }]>`select count(*)::int as n from raw_events where integration_id = ${integrationId} and external_id = 'T-200'`;
    expect(stray.n).toBe(0);
  });

  it('refuses a file whose header lacks a mapped column, naming line 1', async () => {
    const res = await upload(owner, integrationId, 'Ticket,Summary\nT-300,No other columns\n');
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_csv', details: [{ field: 'line 1', message: expect.stringContaining('column "Component" is not in the header') }] });
  });

  it('answers 415 to a body that is not text/csv', async () => {
    const res = await upload(owner, integrationId, JSON.stringify({ Ticket: 'T-400' }), 'application/json');
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('answers 403 to a viewer', async () => {
    const team = await joinedTeam(app, db, 'viewer');
    const teamIntegration = await createCsvIntegration(team.owner, 'Team export');
    const res = await upload(team.member, teamIntegration, EXPORT);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect(await counts(teamIntegration)).toEqual({ raw: 0, incidents: 0 });
  });

  it('answers 409 for an integration that is not of kind csv', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/integrations',
      payload: { kind: 'pagerduty', name: 'PagerDuty', credentials: { apiKey: 'u+pd-csv-import-0001', baseUrl: pd.url }, backfill: false },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await upload(owner, created.json().integration.id, EXPORT);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('not_csv');
  });

  it('answers 404 for an integration of another account, as for none', async () => {
    const other = await signUp(app);
    const answers = await Promise.all([upload(other, integrationId, EXPORT), upload(owner, '00000000-0000-4000-8000-000000000000', EXPORT)]);
    expect(answers.map((a) => [a.statusCode, a.json().error.code])).toEqual([
      [404, 'not_found'],
      [404, 'not_found'],
    ]);
  });
});
