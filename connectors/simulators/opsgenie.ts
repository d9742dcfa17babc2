// A local Opsgenie: the Alert API v2 and Incident API v1 reads the connector makes (real wire format), and webhook deliveries.
import { randomUUID } from 'node:crypto';
import { TOKEN_HEADER } from '../webhook-auth.ts';
import { generateIncidents, stableUuid, type GenerateOptions, type SimDataset, type SimIncident } from './incident-data.ts';
import { postWebhook, startSimServer, type SimControls, type SimRequest, type SimResponse } from './sim-server.ts';

/** full: Read and Configuration access; read: alerts only (account and teams answer 403). */
export type OpsgenieKeyAccess = 'full' | 'read';

export interface OpsgenieSimulatorOptions extends GenerateOptions {
  /** Accepted API keys (default { 'og-test-key': 'full' }). */
  keys?: Record<string, OpsgenieKeyAccess>;
  dataset?: SimDataset;
  /** Shown in account info and app links. */
  accountName?: string;
  recordResponses?: boolean;
  port?: number;
}

export interface OpsgenieWebhookPayload {
  action: string;
  alert: Record<string, unknown>;
  source: { name: string; type: string };
  integrationName: string;
  integrationId: string;
  integrationType: string;
}

export interface OpsgenieSimulator extends SimControls {
  dataset: SimDataset;
  /** Opsgenie alert id of a generated incident. */
  alertId(incident: SimIncident): string;
  addKey(key: string, access?: OpsgenieKeyAccess): void;
  revokeKey(key: string): void;
  /** Answers 429 with Opsgenie's throttling headers for the next `times` requests. */
  rateLimitNext(options?: { times?: number; periodSeconds?: number }): void;
  acknowledge(alertId: string, options?: { at?: number; userId?: string }): OpsgenieWebhookPayload;
  closeAlert(alertId: string, options?: { at?: number; userId?: string }): OpsgenieWebhookPayload;
  addNote(alertId: string, note: string, options?: { at?: number; userId?: string }): OpsgenieWebhookPayload;
  /** The webhook payload for an action on an alert as it is now ("Create", "Acknowledge", ...). */
  webhookPayload(action: string, alertId: string, options?: { at?: number; userId?: string; note?: string }): OpsgenieWebhookPayload;
  /** POSTs the payload as the webhook integration does, with the custom token header. */
  sendWebhook(url: string, payload: OpsgenieWebhookPayload, options?: { token?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }>;
}

const SOURCES: Record<string, string> = {
  'high-cpu': 'Prometheus', 'disk-pressure': 'Prometheus', memory: 'Prometheus', 'http-5xx': 'Datadog', latency: 'Datadog',
  crashloop: 'Prometheus', 'cert-expiry': 'Blackbox exporter', 'replication-lag': 'CloudWatch', 'consumer-lag': 'Burrow',
  'job-failed': 'Kubernetes', 'health-check': 'Pingdom', 'db-connections': 'CloudWatch',
};

const ogError = (status: number): unknown => {
  const message: Record<number, string> = {
    400: 'Invalid request', 401: 'Could not authenticate', 402: 'Your plan does not allow this', 403: 'You are not authorized for this operation',
    404: 'Not found', 422: 'Invalid request', 429: 'Request throttled',
  };
  return { message: message[status] ?? 'Internal Server Error', took: 0.001, requestId: randomUUID() };
};

interface ParsedQuery {
  after?: number;
  before?: number;
  status?: string;
}

/** The subset of Opsgenie's search syntax the connector writes: createdAt comparisons and status, joined by AND. */
function parseQuery(query: string | null): ParsedQuery | undefined {
  const parsed: ParsedQuery = {};
  if (!query || !query.trim()) return parsed;
  for (const clause of query.split(/\s+AND\s+/i)) {
    const m = /^\s*(createdAt|status)\s*(>=|<=|>|<|:|=)\s*(\S+)\s*$/i.exec(clause);
    if (!m) return undefined;
    const [, field, op, value] = m as unknown as [string, string, string, string];
    if (field.toLowerCase() === 'status') {
      parsed.status = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    if (op === '>') parsed.after = n;
    else if (op === '>=') parsed.after = n - 1;
    else if (op === '<') parsed.before = n;
    else if (op === '<=') parsed.before = n + 1;
    else return undefined;
  }
  return parsed;
}

export async function startOpsgenieSimulator(options: OpsgenieSimulatorOptions = {}): Promise<OpsgenieSimulator> {
  const dataset = options.dataset ?? generateIncidents(options);
  const keys = new Map<string, OpsgenieKeyAccess>(Object.entries(options.keys ?? { 'og-test-key': 'full' }));
  const seed = dataset.seed;
  const account = options.accountName ?? 'acme';
  const alertIdOf = (i: SimIncident) => `${stableUuid(seed, 'alert', i.number)}-${i.createdAt}`;
  const alerts = new Map(dataset.incidents.map((i) => [alertIdOf(i), i]));
  const byTiny = new Map(dataset.incidents.map((i) => [String(i.number), i]));
  const byAlias = new Map<string, SimIncident>();
  for (const i of dataset.incidents) if (i.status !== 'resolved') byAlias.set(i.key, i);
  const teamUuid = (teamId: string) => stableUuid(seed, 'og-team', teamId);
  const users = new Map(dataset.users.map((u) => [u.id, u]));
  const email = (userId: string | undefined) => (userId ? users.get(userId)?.email : undefined);
  const integration = { id: stableUuid(seed, 'integration', 'api'), name: 'Prometheus', type: 'API' };
  const serviceName = (i: SimIncident) => dataset.services.find((s) => s.id === i.serviceId)!.name;
  const isoMs = (ms: number) => new Date(ms).toISOString();
  const envelope = (data: unknown, extra: Record<string, unknown> = {}) => ({ data, ...extra, took: 0.012, requestId: randomUUID() });

  function renderAlert(i: SimIncident, detailed: boolean): Record<string, unknown> {
    const report: Record<string, unknown> = {};
    if (i.acknowledgedAt !== undefined) {
      report['ackTime'] = i.acknowledgedAt - i.createdAt;
      report['acknowledgedBy'] = email(i.acknowledgedBy);
    }
    if (i.resolvedAt !== undefined) {
      report['closeTime'] = i.resolvedAt - i.createdAt;
      report['closedBy'] = email(i.resolvedBy) ?? 'Prometheus';
    }
    const owner = email(i.acknowledgedBy ?? (i.reassignment ? i.assigneeId : undefined));
    const alert: Record<string, unknown> = {
      id: alertIdOf(i),
      tinyId: String(i.number),
      alias: i.key,
      message: i.title,
      status: i.status === 'resolved' ? 'closed' : 'open',
      acknowledged: i.acknowledgedAt !== undefined,
      isSeen: i.acknowledgedAt !== undefined,
      tags: [...i.tags, 'env:prod'],
      snoozed: false,
      count: 1 + (i.number % 4),
      lastOccurredAt: isoMs(i.createdAt),
      createdAt: isoMs(i.createdAt),
      updatedAt: isoMs(i.updatedAt),
      source: SOURCES[i.template] ?? 'Prometheus',
      ...(owner ? { owner } : {}),
      priority: i.priority,
      responders: [{ type: 'team', id: teamUuid(i.teamId) }],
      teams: [{ id: teamUuid(i.teamId) }],
      integration,
      report,
    };
    if (detailed) {
      alert['actions'] = ['Restart', 'Open runbook'];
      alert['entity'] = i.details['host'] ?? i.details['service'] ?? serviceName(i);
      alert['description'] = i.description;
      alert['details'] = { service: serviceName(i), ...i.details };
    }
    return alert;
  }

  function logsOf(i: SimIncident): Record<string, unknown>[] {
    const logs: { at: number; log: string; type: string; owner: string }[] = [{ at: i.createdAt, log: 'Alert created via API', type: 'system', owner: 'Prometheus' }];
    if (i.acknowledgedAt !== undefined) logs.push({ at: i.acknowledgedAt, log: 'Alert acknowledged via web', type: 'system', owner: email(i.acknowledgedBy)! });
    if (i.reassignment) logs.push({ at: i.reassignment.at, log: `Assigned ownership of the alert to ${email(i.reassignment.userId)}`, type: 'system', owner: email(i.reassignment.byUserId)! });
    for (const note of i.notes) logs.push({ at: note.at, log: 'Added note to the alert', type: 'system', owner: email(note.userId)! });
    if (i.resolvedAt !== undefined) {
      logs.push({ at: i.resolvedAt, log: i.resolvedBy ? 'Alert closed via web' : 'Alert closed by alert source Prometheus', type: 'system', owner: email(i.resolvedBy) ?? 'Prometheus' });
    }
    return logs
      .sort((a, b) => a.at - b.at)
      .map((l, n) => ({ log: l.log, type: l.type, owner: l.owner, createdAt: isoMs(l.at), offset: `${l.at}_${l.at}${String(n).padStart(6, '0')}` }));
  }

  function notesOf(i: SimIncident): Record<string, unknown>[] {
    return i.notes.map((note, n) => ({ note: note.text, owner: email(note.userId)!, createdAt: isoMs(note.at), offset: `${note.at}_${note.at}${String(n).padStart(6, '0')}` }));
  }

  function pageUrl(path: string, params: URLSearchParams, offset: number): string {
    const copy = new URLSearchParams(params);
    copy.set('offset', String(offset));
    return `https://api.opsgenie.com${path}?${copy.toString()}`;
  }

  function search<T>(path: string, params: URLSearchParams, items: SimIncident[], render: (i: SimIncident) => T): SimResponse {
    const limit = Number(params.get('limit') ?? 20);
    const offset = Number(params.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) {
      return { status: 422, body: { ...(ogError(422) as object), message: 'limit must be between 1 and 100, offset must be 0 or more' } };
    }
    const query = parseQuery(params.get('query'));
    if (!query) return { status: 422, body: { ...(ogError(422) as object), message: `Invalid query: ${params.get('query')}` } };
    let matches = items.filter(
      (i) =>
        (query.after === undefined || i.createdAt > query.after) &&
        (query.before === undefined || i.createdAt < query.before) &&
        (query.status === undefined || (query.status === 'closed') === (i.status === 'resolved')),
    );
    if ((params.get('order') ?? 'desc') === 'desc') matches = [...matches].reverse();
    const page = matches.slice(offset, offset + limit);
    const paging: Record<string, string> = { first: pageUrl(path, params, 0), last: pageUrl(path, params, Math.max(0, Math.floor((matches.length - 1) / limit) * limit)) };
    if (offset + limit < matches.length) paging['next'] = pageUrl(path, params, offset + limit);
    if (offset > 0) paging['prev'] = pageUrl(path, params, Math.max(0, offset - limit));
    const headers: Record<string, string> = { 'X-Paging-First': paging['first']! };
    if (paging['next']) headers['X-Paging-Next'] = paging['next'];
    return { status: 200, body: envelope(page.map(render), { paging }), headers };
  }

  /** Logs and notes: entries after the given offset token, oldest first. */
  function after(params: URLSearchParams, entries: Record<string, unknown>[], path: string): SimResponse {
    const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 20)));
    const token = params.get('offset');
    const ordered = (params.get('order') ?? 'desc') === 'asc' ? entries : [...entries].reverse();
    const start = token ? ordered.findIndex((e) => e['offset'] === token) + 1 : 0;
    const page = ordered.slice(start, start + limit);
    const paging: Record<string, string> = { first: `https://api.opsgenie.com${path}?limit=${limit}` };
    if (start + limit < ordered.length && page.length) paging['next'] = `https://api.opsgenie.com${path}?offset=${String(page[page.length - 1]!['offset'])}&direction=next&limit=${limit}`;
    return { status: 200, body: envelope(page, { paging }), headers: paging['next'] ? { 'X-Paging-Next': paging['next'] } : {} };
  }

  function findAlert(identifier: string, type: string | null): SimIncident | undefined {
    if (type === 'tiny') return byTiny.get(identifier);
    if (type === 'alias') return byAlias.get(identifier);
    return alerts.get(identifier);
  }

  function renderIncident(i: SimIncident): Record<string, unknown> {
    return {
      id: stableUuid(seed, 'og-incident', i.number),
      tinyId: String(i.number),
      message: i.title,
      description: i.description,
      status: i.status === 'resolved' ? 'resolved' : 'open',
      isSeen: true,
      tags: i.tags,
      createdAt: isoMs(i.createdAt),
      updatedAt: isoMs(i.updatedAt),
      source: 'Opsgenie',
      ...(email(i.acknowledgedBy) ? { owner: email(i.acknowledgedBy) } : {}),
      priority: i.priority,
      responders: [{ type: 'team', id: teamUuid(i.teamId) }],
      ownerTeam: teamUuid(i.teamId),
      extraProperties: { service: serviceName(i) },
    };
  }

  function handle(request: SimRequest): SimResponse {
    const auth = /^GenieKey (.+)$/.exec(String(request.headers['authorization'] ?? ''));
    const access = auth ? keys.get(auth[1]!) : undefined;
    if (!access) return { status: 401, body: ogError(401) };
    if (request.method !== 'GET') return { status: 404, body: ogError(404) };
    const { pathname } = request.url;
    const params = request.url.searchParams;
    if (pathname === '/v2/account' || pathname === '/v2/teams') {
      if (access !== 'full') return { status: 403, body: ogError(403) };
      if (pathname === '/v2/account') return { status: 200, body: envelope({ name: account, userCount: dataset.users.length, plan: { maxUserCount: 50, name: 'Enterprise', isYearly: true } }) };
      return { status: 200, body: envelope(dataset.teams.map((t) => ({ id: teamUuid(t.id), name: t.name, description: t.description })), { expandable: ['members'] }) };
    }
    if (pathname === '/v2/alerts') return search(pathname, params, dataset.incidents, (i) => renderAlert(i, false));
    if (pathname === '/v2/alerts/count') {
      const query = parseQuery(params.get('query'));
      if (!query) return { status: 422, body: ogError(422) };
      const count = dataset.incidents.filter((i) => (query.after === undefined || i.createdAt > query.after) && (query.before === undefined || i.createdAt < query.before)).length;
      return { status: 200, body: envelope({ count }) };
    }
    const alertMatch = /^\/v2\/alerts\/([^/]+)(\/logs|\/notes)?$/.exec(pathname);
    if (alertMatch) {
      const incident = findAlert(decodeURIComponent(alertMatch[1]!), params.get('identifierType'));
      if (!incident) return { status: 404, body: { ...(ogError(404) as object), message: 'Alert does not exist' } };
      if (alertMatch[2] === '/logs') return after(params, logsOf(incident), pathname);
      if (alertMatch[2] === '/notes') return after(params, notesOf(incident), pathname);
      return { status: 200, body: envelope(renderAlert(incident, true)) };
    }
    if (pathname === '/v1/incidents' || pathname === '/v1/incidents/') {
      if (!params.get('query')) return { status: 422, body: { ...(ogError(422) as object), message: 'query is required' } };
      const major = dataset.incidents.filter((i) => i.priority === 'P1' || i.priority === 'P2');
      return search('/v1/incidents/', params, major, renderIncident);
    }
    return { status: 404, body: ogError(404) };
  }

  const controls = await startSimServer({ port: options.port, recordResponses: options.recordResponses, handle, errorBody: ogError });

  function webhookPayload(action: string, alertId: string, payloadOptions: { at?: number; userId?: string; note?: string } = {}): OpsgenieWebhookPayload {
    const i = alerts.get(alertId);
    if (!i) throw new Error(`no simulated alert ${alertId}`);
    const rendered = renderAlert(i, true);
    const at = payloadOptions.at ?? Date.now();
    const user = users.get(payloadOptions.userId ?? i.assigneeId)!;
    const team = dataset.teams.find((t) => t.id === i.teamId)!;
    const alert: Record<string, unknown> = {
      alertId,
      message: i.title,
      tags: rendered['tags'],
      tinyId: String(i.number),
      entity: rendered['entity'],
      alias: i.key,
      createdAt: i.createdAt,
      // Opsgenie sends updatedAt in nanoseconds.
      updatedAt: at * 1_000_000 + (i.number % 1000),
      username: action === 'Create' ? 'Prometheus' : user.email,
      userId: action === 'Create' ? undefined : stableUuid(seed, 'og-user', user.id),
      description: i.description,
      team: team.name,
      responders: [{ id: teamUuid(team.id), type: 'team', name: team.name }],
      teams: [teamUuid(team.id)],
      actions: rendered['actions'],
      details: rendered['details'],
      priority: i.priority,
      source: rendered['source'],
    };
    if (action === 'AddNote') alert['note'] = payloadOptions.note ?? i.notes[i.notes.length - 1]?.text;
    if (action === 'AssignOwnership' || action === 'Acknowledge') alert['owner'] = user.email;
    return { action, alert, source: { name: action === 'Create' ? 'Prometheus' : '', type: action === 'Create' ? 'API' : 'web' }, integrationName: 'Incident Insights', integrationId: stableUuid(seed, 'integration', 'webhook'), integrationType: 'Webhook' };
  }

  function change(alertId: string, at: number, apply: (i: SimIncident) => void): void {
    const i = alerts.get(alertId);
    if (!i) throw new Error(`no simulated alert ${alertId}`);
    apply(i);
    i.updatedAt = Math.max(i.updatedAt, at);
  }

  return {
    ...controls,
    dataset,
    alertId: alertIdOf,
    addKey(key, access = 'full') {
      keys.set(key, access);
    },
    revokeKey(key) {
      keys.delete(key);
    },
    rateLimitNext({ times = 1, periodSeconds = 1 } = {}) {
      controls.failNext({ status: 429, times, headers: { 'X-RateLimit-State': 'THROTTLED', 'X-RateLimit-Reason': 'INTEGRATION', 'X-RateLimit-Period-In-Sec': String(periodSeconds) } });
    },
    acknowledge(alertId, o = {}) {
      const at = o.at ?? Date.now();
      change(alertId, at, (i) => {
        i.status = i.status === 'resolved' ? i.status : 'acknowledged';
        i.acknowledgedAt ??= at;
        i.acknowledgedBy ??= o.userId ?? i.assigneeId;
      });
      return webhookPayload('Acknowledge', alertId, { ...o, at });
    },
    closeAlert(alertId, o = {}) {
      const at = o.at ?? Date.now();
      change(alertId, at, (i) => {
        i.status = 'resolved';
        i.resolvedAt = at;
        i.resolvedBy = o.userId ?? i.assigneeId;
      });
      return webhookPayload('Close', alertId, { ...o, at });
    },
    addNote(alertId, note, o = {}) {
      const at = o.at ?? Date.now();
      change(alertId, at, (i) => i.notes.push({ id: randomUUID(), at, userId: o.userId ?? i.assigneeId, text: note }));
      return webhookPayload('AddNote', alertId, { ...o, at, note });
    },
    webhookPayload,
    async sendWebhook(url, payload, sendOptions = {}) {
      return postWebhook(url, JSON.stringify(payload), {
        'User-Agent': 'Opsgenie-Webhook',
        ...(sendOptions.token === undefined ? {} : { [TOKEN_HEADER]: sendOptions.token }),
        ...sendOptions.headers,
      });
    },
  };
}
