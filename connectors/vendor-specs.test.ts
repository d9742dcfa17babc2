// Fixtures, simulator answers and connector requests checked against the vendors' own API descriptions (../shared/specs).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsgenieConnector } from './opsgenie/index.ts';
import { createPagerDutyConnector } from './pagerduty/index.ts';
import { startOpsgenieSimulator, type OpsgenieSimulator } from './simulators/opsgenie.ts';
import { startPagerDutySimulator, type PagerDutySimulator } from './simulators/pagerduty.ts';
import type { RecordedRequest } from './simulators/sim-server.ts';
import { loadOpsgenieSpec, loadPagerDutySpec, type VendorSpec } from './simulators/vendor-specs.ts';

const END = Date.parse('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const readFixture = (tool: string, name: string): unknown => JSON.parse(readFileSync(resolve(import.meta.dirname, tool, 'fixtures', name), 'utf8'));
const fixturesOf = (tool: string) => readdirSync(resolve(import.meta.dirname, tool, 'fixtures')).filter((f) => f.endsWith('.json'));

/** Each REST fixture is a response body of this path template and status. */
const PAGERDUTY_FIXTURES: Record<string, [string, number]> = {
  'incidents-list.json': ['/incidents', 200],
  'incident-log-entries.json': ['/incidents/{id}/log_entries', 200],
  'services-list.json': ['/services', 200],
  'teams-list.json': ['/teams', 200],
  'priorities-list.json': ['/priorities', 200],
  'abilities.json': ['/abilities', 200],
  'users-me.json': ['/users/me', 200],
  'error-401.json': ['/incidents', 401],
  'error-429.json': ['/incidents', 429],
};

const OPSGENIE_FIXTURES: Record<string, [string, number]> = {
  'alerts-list.json': ['/v2/alerts', 200],
  'alert.json': ['/v2/alerts/{identifier}', 200],
  'alert-logs.json': ['/v2/alerts/{identifier}/logs', 200],
  'alert-notes.json': ['/v2/alerts/{identifier}/notes', 200],
  'alerts-count.json': ['/v2/alerts/count', 200],
  'account.json': ['/v2/account', 200],
  'teams-list.json': ['/v2/teams', 200],
  'incidents-list.json': ['/v1/incidents/', 200],
  'error-401.json': ['/v2/alerts', 401],
};

/** Every recorded exchange: a declared path, declared query parameters with valid values, a conforming body. */
function problemsOf(spec: VendorSpec, requests: RecordedRequest[]): string[] {
  const problems: string[] = [];
  for (const request of requests) {
    const template = spec.matchPath(request.path);
    if (!template) {
      problems.push(`${request.path} is not in the API description`);
      continue;
    }
    problems.push(...spec.checkQuery(template, request.query));
    const errors = spec.validateResponse(template, request.status, request.body);
    if (errors.length) problems.push(`${request.status} of ${request.path}: ${errors.slice(0, 3).join('; ')}`);
  }
  return problems;
}

describe('PagerDuty REST v2 description', () => {
  let spec: VendorSpec;
  let sim: PagerDutySimulator;

  beforeAll(async () => {
    spec = loadPagerDutySpec();
    sim = await startPagerDutySimulator({ count: 300, end: END, days: 60, seed: 21, recordResponses: true, tokens: { 'pd-test-token': 'user', 'pd-account': 'account', 'pd-restricted': 'restricted' } });
  });
  afterAll(() => sim.close());

  it('has a response description for every REST fixture, and the fixtures conform to it', () => {
    for (const name of fixturesOf('pagerduty').filter((f) => !f.startsWith('webhook-'))) {
      const entry = PAGERDUTY_FIXTURES[name];
      expect(entry, `${name} needs an entry in PAGERDUTY_FIXTURES`).toBeDefined();
      const [template, status] = entry!;
      expect(spec.validateResponse(template, status, readFixture('pagerduty', name)), name).toEqual([]);
    }
  });

  it('webhook fixtures carry references shaped as the REST description defines them', () => {
    for (const name of fixturesOf('pagerduty').filter((f) => f.startsWith('webhook-incident-'))) {
      const { event } = readFixture('pagerduty', name) as { event: { agent: unknown; data: Record<string, unknown> } };
      const errors: string[] = [];
      if (event.agent) errors.push(...spec.validateSchema('AgentReference', event.agent));
      const data = event.data;
      if (data['type'] === 'incident') {
        errors.push(...spec.validateSchema('ServiceReference', data['service']));
        errors.push(...spec.validateSchema('EscalationPolicyReference', data['escalation_policy']));
        for (const user of data['assignees'] as unknown[]) errors.push(...spec.validateSchema('UserReference', user));
        for (const team of data['teams'] as unknown[]) errors.push(...spec.validateSchema('TeamReference', team));
        expect(['triggered', 'acknowledged', 'resolved']).toContain(data['status']);
      } else {
        errors.push(...spec.validateSchema('IncidentReference', data['incident']));
      }
      expect(errors, name).toEqual([]);
    }
  });

  it('notices a body that does not conform (the check is live)', () => {
    expect(spec.validateResponse('/incidents', 200, { incidents: [{ id: 'Q1', status: 'open', created_at: 'today' }] }).length).toBeGreaterThan(0);
    expect(spec.checkQuery('/incidents', [['statuses[]', 'open'], ['per_page', '10']])).toHaveLength(2);
  });

  it("the connector's requests and the simulator's answers conform, errors included", async () => {
    const connector = createPagerDutyConnector({ transport: { sleep: async () => {} } });
    const credentials = { apiKey: 'pd-test-token', baseUrl: sim.url };
    const range = { since: new Date(END - 60 * DAY).toISOString(), until: new Date(END).toISOString() };
    await connector.verify(credentials);
    await connector.verify({ ...credentials, apiKey: 'pd-account' });
    await connector.verify({ ...credentials, apiKey: 'pd-restricted' }).catch(() => undefined);
    await connector.verify({ ...credentials, apiKey: 'wrong' }).catch(() => undefined);
    await connector.importChoices(credentials);
    sim.rateLimitNext({ times: 1, resetSeconds: 1 });
    for await (const page of connector.listIncidents(credentials, range)) void page;
    const service = sim.dataset.services[0]!;
    const team = sim.dataset.teams[0]!;
    const filters = { services: [service.id], teams: [team.id], urgencies: ['high'], statuses: ['resolved' as const, 'acknowledged' as const] };
    for await (const page of connector.listIncidents(credentials, { ...range, timeline: false, filters })) void page;
    // Answers the connector avoids, so their shape is checked too.
    for (const path of ['/incidents?offset=9950&limit=100', `/incidents/${sim.dataset.incidents[0]!.id}`, '/incidents/QNOPE', '/incidents?since=2024-01-01T00:00:00Z&until=2025-01-01T00:00:00Z']) {
      await fetch(`${sim.url}${path}`, { headers: { Authorization: 'Token token=pd-test-token' } });
    }
    const statuses = new Set(sim.requests.map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 400, 401, 403, 404, 429]);
    expect(problemsOf(spec, sim.requests)).toEqual([]);
  });
});

describe('Opsgenie REST description', () => {
  let spec: VendorSpec;
  let sim: OpsgenieSimulator;

  beforeAll(async () => {
    spec = loadOpsgenieSpec();
    sim = await startOpsgenieSimulator({ count: 150, end: END, days: 30, seed: 22, recordResponses: true, keys: { 'og-key': 'full', 'og-read': 'read' } });
  });
  afterAll(() => sim.close());

  it('has a response description for every REST fixture, and the fixtures conform to it', () => {
    for (const name of fixturesOf('opsgenie').filter((f) => !f.startsWith('webhook-'))) {
      const entry = OPSGENIE_FIXTURES[name];
      expect(entry, `${name} needs an entry in OPSGENIE_FIXTURES`).toBeDefined();
      const [template, status] = entry!;
      expect(spec.validateResponse(template, status, readFixture('opsgenie', name)), name).toEqual([]);
    }
  });

  it('webhook fixtures carry responders shaped as the description defines them', () => {
    for (const name of fixturesOf('opsgenie').filter((f) => f.startsWith('webhook-'))) {
      const { alert } = readFixture('opsgenie', name) as { alert: { responders: unknown[]; priority: string } };
      expect(alert.responders.flatMap((r) => spec.validateSchema('Responder', r)), name).toEqual([]);
      expect(['P1', 'P2', 'P3', 'P4', 'P5']).toContain(alert.priority);
    }
  });

  it("the connector's requests and the simulator's answers conform, errors included", async () => {
    const hosts = { us: sim.url, eu: sim.url };
    const connector = createOpsgenieConnector({ hosts, transport: { sleep: async () => {} } });
    const credentials = { apiKey: 'og-key' };
    const range = { since: new Date(END - 30 * DAY).toISOString(), until: new Date(END).toISOString() };
    await connector.verify(credentials);
    await connector.verify({ apiKey: 'og-read' });
    await connector.verify({ apiKey: 'wrong' }).catch(() => undefined);
    await connector.importChoices(credentials);
    sim.rateLimitNext({ times: 1 });
    for await (const page of connector.listIncidents(credentials, range)) void page;
    for await (const page of createOpsgenieConnector({ hosts, resource: 'incidents' }).listIncidents(credentials, range)) void page;
    for (const path of ['/v2/alerts/missing', '/v2/alerts?limit=500']) await fetch(`${sim.url}${path}`, { headers: { Authorization: 'GenieKey og-key' } });
    const statuses = new Set(sim.requests.map((r) => r.status));
    expect([...statuses].sort()).toEqual([200, 401, 403, 404, 422, 429]);
    // The hand-made request with limit=500 is the one query outside the description.
    expect(problemsOf(spec, sim.requests)).toEqual(['GET /v2/alerts: limit=500 is above 100']);
  });
});
