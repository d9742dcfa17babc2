// A local PagerDuty: REST v2 reads the connector makes (real wire format, pagination limits, auth errors) and signed webhooks v3.
import { randomUUID } from 'node:crypto';
import { signPagerDutyBody } from '../pagerduty/webhook.ts';
import { generateIncidents, vendorId, type GenerateOptions, type SimDataset, type SimIncident, type SimUser } from './incident-data.ts';
import { postWebhook, startSimServer, type SimControls, type SimRequest, type SimResponse } from './sim-server.ts';

/** user: a user's key; account: an account-level key (no /users/me); restricted: valid but may read nothing. */
export type PagerDutyTokenKind = 'user' | 'account' | 'restricted';

export interface PagerDutySimulatorOptions extends GenerateOptions {
  /** Accepted keys (default { 'pd-test-token': 'user' }). */
  tokens?: Record<string, PagerDutyTokenKind>;
  /** Use this history instead of generating one. */
  dataset?: SimDataset;
  /** Secrets webhooks are signed with (several while rotating). */
  webhookSecrets?: string[];
  recordResponses?: boolean;
  port?: number;
  /** Subdomain in html_url links. */
  subdomain?: string;
}

export interface PagerDutySimulator extends SimControls {
  dataset: SimDataset;
  addToken(token: string, kind?: PagerDutyTokenKind): void;
  revokeToken(token: string): void;
  /** Answers 429 (code 2020) with rate-limit headers for the next `times` requests. */
  rateLimitNext(options?: { times?: number; retryAfterSeconds?: number; resetSeconds?: number; withoutHeaders?: boolean }): void;
  /** Changes an incident as a responder would, and returns the webhook event PagerDuty would send. */
  acknowledge(incidentId: string, options?: { at?: number; userId?: string }): PagerDutyEvent;
  resolve(incidentId: string, options?: { at?: number; userId?: string }): PagerDutyEvent;
  addNote(incidentId: string, text: string, options?: { at?: number; userId?: string }): PagerDutyEvent;
  /** The webhook event for an incident's current state (incident.triggered, ...). */
  incidentEvent(eventType: string, incidentId: string, options?: { at?: number; userId?: string }): PagerDutyEvent;
  /** POSTs the event as webhooks v3 does: signed body, X-Webhook-Id, one event per request. */
  sendWebhook(url: string, event: PagerDutyEvent, options?: { secrets?: string[]; webhookId?: string; headers?: Record<string, string> }): Promise<{ status: number; body: string; webhookId: string }>;
}

export interface PagerDutyEvent {
  event: {
    id: string;
    event_type: string;
    resource_type: 'incident';
    occurred_at: string;
    agent: Record<string, unknown> | null;
    client: { name: string } | null;
    data: Record<string, unknown>;
  };
}

const API = 'https://api.pagerduty.com';
const MAX_OFFSET = 10_000;
const SIX_MONTHS_MS = 184 * 86_400_000;

function pdError(status: number): unknown {
  switch (status) {
    case 400: return { error: { message: 'Invalid Input Provided', code: 2001 } };
    case 401: return { error: { message: 'Authentication failed', code: 2006 } };
    case 403: return { error: { message: 'Access Denied', code: 2010 } };
    case 404: return { error: { message: 'Not Found', code: 2100 } };
    case 429: return { error: { message: 'Rate Limit Exceeded', code: 2020 } };
    default: return { error: { message: 'Internal Server Error', code: 2000 } };
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export async function startPagerDutySimulator(options: PagerDutySimulatorOptions = {}): Promise<PagerDutySimulator> {
  const dataset = options.dataset ?? generateIncidents(options);
  const tokens = new Map<string, PagerDutyTokenKind>(Object.entries(options.tokens ?? { 'pd-test-token': 'user' }));
  const web = `https://${options.subdomain ?? 'acme'}.pagerduty.com`;
  const byId = new Map(dataset.incidents.map((incident) => [incident.id, incident]));
  const users = new Map(dataset.users.map((user) => [user.id, user]));
  const services = new Map(dataset.services.map((service) => [service.id, service]));
  const teams = new Map(dataset.teams.map((team) => [team.id, team]));
  const escalationPolicy = { id: vendorId('P', 6, dataset.seed, 'escalation-policy'), name: 'Default' };
  const priorities = (['P1', 'P2', 'P3', 'P4', 'P5'] as const).map((name, i) => ({
    id: vendorId('P', 6, dataset.seed, 'priority', name),
    type: 'priority',
    summary: name,
    self: `${API}/priorities/${vendorId('P', 6, dataset.seed, 'priority', name)}`,
    html_url: null,
    name,
    description: ['Critical outage with public impact', 'Critical system issue impacting many customers', 'Stability or minor customer impact', 'Minor issue, no customer impact', 'Cosmetic issue'][i]!,
  }));
  const priorityByName = new Map(priorities.map((p) => [p.name, p]));

  const ref = (type: string, id: string, summary: string, collection: string, htmlPath = `${collection}/${id}`) => ({
    id,
    type,
    summary,
    self: `${API}/${collection}/${id}`,
    html_url: `${web}/${htmlPath}`,
  });
  const userRef = (user: SimUser) => ref('user_reference', user.id, user.name, 'users');
  const serviceRef = (id: string) => ref('service_reference', id, services.get(id)!.name, 'services', `service-directory/${id}`);
  const teamRef = (id: string) => ref('team_reference', id, teams.get(id)!.name, 'teams');
  const incidentRef = (i: SimIncident) => ref('incident_reference', i.id, `[#${i.number}] ${i.title}`, 'incidents');
  const policyRef = () => ref('escalation_policy_reference', escalationPolicy.id, escalationPolicy.name, 'escalation_policies');
  const userOf = (id: string | undefined) => (id ? users.get(id) : undefined);

  // Rendering is cached per incident version: a backfill asks for each incident's log once, and pages repeat.
  const logCache = new Map<string, { version: string; entries: Record<string, unknown>[] }>();
  const version = (i: SimIncident) => `${i.updatedAt}/${i.status}/${i.notes.length}`;

  function logEntries(i: SimIncident): Record<string, unknown>[] {
    const cached = logCache.get(i.id);
    if (cached?.version === version(i)) return cached.entries;
    const entries = renderLogEntries(i);
    logCache.set(i.id, { version: version(i), entries });
    return entries;
  }

  function renderLogEntries(i: SimIncident): Record<string, unknown>[] {
    const common = (kind: string, n: number, at: number) => {
      const id = vendorId('R', 25, dataset.seed, 'log', i.number, kind, n);
      return {
        id,
        type: kind,
        self: `${API}/log_entries/${id}?incident_id=${i.id}`,
        html_url: `${web}/incidents/${i.id}/log_entries/${id}`,
        created_at: iso(at),
        incident: incidentRef(i),
        service: serviceRef(i.serviceId),
        teams: [teamRef(i.teamId)],
        contexts: [],
      };
    };
    const entries: Record<string, unknown>[] = [];
    const service = serviceRef(i.serviceId);
    entries.push({
      ...common('trigger_log_entry', 0, i.createdAt),
      summary: 'Triggered through the API.',
      agent: service,
      channel: { type: 'api', summary: i.title, description: i.title, incident_key: i.key, details: { ...i.details, description: i.description } },
      event_details: { description: i.title },
    });
    const firstAssignee = userOf(i.reassignment ? i.reassignment.byUserId : i.assigneeId)!;
    entries.push({ ...common('assign_log_entry', 0, i.createdAt), summary: `Assigned to ${firstAssignee.name}.`, agent: service, channel: { type: 'auto' }, assignees: [userRef(firstAssignee)] });
    if (i.acknowledgedAt !== undefined) {
      const by = userOf(i.acknowledgedBy)!;
      entries.push({ ...common('acknowledge_log_entry', 0, i.acknowledgedAt), summary: `Acknowledged by ${by.name}.`, agent: userRef(by), channel: { type: 'website' }, acknowledgement_timeout: 1800 });
    }
    if (i.reassignment) {
      const to = userOf(i.reassignment.userId)!;
      const by = userOf(i.reassignment.byUserId)!;
      entries.push({ ...common('assign_log_entry', 1, i.reassignment.at), summary: `Reassigned to ${to.name}.`, agent: userRef(by), channel: { type: 'website' }, assignees: [userRef(to)] });
    }
    i.notes.forEach((note, n) => {
      entries.push({ ...common('annotate_log_entry', n, note.at), summary: 'Note added', agent: userRef(userOf(note.userId)!), channel: { type: 'note', summary: note.text } });
    });
    if (i.resolvedAt !== undefined) {
      const by = userOf(i.resolvedBy);
      entries.push({
        ...common('resolve_log_entry', 0, i.resolvedAt),
        summary: by ? `Resolved by ${by.name}.` : 'Resolved through the API.',
        agent: by ? userRef(by) : service,
        channel: { type: by ? 'website' : 'api' },
      });
    }
    // PagerDuty lists log entries newest first.
    return entries.sort((a, b) => String(b['created_at']).localeCompare(String(a['created_at'])));
  }

  function renderIncident(i: SimIncident, includeTrigger: boolean): Record<string, unknown> {
    const open = i.status !== 'resolved';
    const triggerId = vendorId('R', 25, dataset.seed, 'log', i.number, 'trigger_log_entry', 0);
    const lastChangeAt = i.resolvedAt ?? i.acknowledgedAt ?? i.createdAt;
    const lastChangeBy = i.resolvedAt !== undefined ? userOf(i.resolvedBy) : i.acknowledgedAt !== undefined ? userOf(i.acknowledgedBy) : undefined;
    const assignee = userOf(i.assigneeId)!;
    const out: Record<string, unknown> = {
      id: i.id,
      type: 'incident',
      summary: `[#${i.number}] ${i.title}`,
      self: `${API}/incidents/${i.id}`,
      html_url: `${web}/incidents/${i.id}`,
      incident_number: i.number,
      title: i.title,
      created_at: iso(i.createdAt),
      updated_at: iso(i.updatedAt),
      status: i.status,
      incident_key: i.key,
      service: serviceRef(i.serviceId),
      assignments: open ? [{ at: iso(i.reassignment?.at ?? i.createdAt), assignee: userRef(assignee) }] : [],
      assigned_via: 'escalation_policy',
      last_status_change_at: iso(lastChangeAt),
      first_trigger_log_entry: includeTrigger
        ? logEntries(i).find((e) => e['type'] === 'trigger_log_entry')!
        : ref('trigger_log_entry_reference', triggerId, 'Triggered through the API.', 'log_entries', `incidents/${i.id}/log_entries/${triggerId}`),
      alert_counts: { all: 1, triggered: open ? 1 : 0, resolved: open ? 0 : 1 },
      is_mergeable: true,
      incident_type: { name: 'incident_default' },
      escalation_policy: policyRef(),
      teams: [teamRef(i.teamId)],
      pending_actions: [],
      acknowledgements: i.status === 'acknowledged' && i.acknowledgedAt !== undefined ? [{ at: iso(i.acknowledgedAt), acknowledger: userRef(userOf(i.acknowledgedBy)!) }] : [],
      last_status_change_by: lastChangeBy ? userRef(lastChangeBy) : serviceRef(i.serviceId),
      priority: priorityByName.get(i.priority)!,
      urgency: i.urgency,
    };
    // PagerDuty sends resolved_at: null while open; the description does not allow null, so it is left out.
    if (i.resolvedAt !== undefined) out['resolved_at'] = iso(i.resolvedAt);
    return out;
  }

  function renderService(id: string): Record<string, unknown> {
    const service = services.get(id)!;
    return {
      ...ref('service', id, service.name, 'services', `service-directory/${id}`),
      name: service.name,
      description: service.description,
      auto_resolve_timeout: 14400,
      acknowledgement_timeout: 1800,
      created_at: iso(dataset.start - 365 * 86_400_000),
      status: 'active',
      escalation_policy: policyRef(),
      teams: [teamRef(service.teamId)],
      integrations: [],
      alert_creation: 'create_alerts_and_incidents',
    };
  }

  const list = <T>(params: URLSearchParams, items: T[], key: string): SimResponse => {
    const limit = Math.min(100, Math.max(1, Number(params.get('limit') ?? 25)));
    const offset = Math.max(0, Number(params.get('offset') ?? 0));
    if (offset + limit > MAX_OFFSET) {
      return { status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: [`Offset must be less than ${MAX_OFFSET - limit + 1} for a limit of ${limit}.`] } } };
    }
    const page = items.slice(offset, offset + limit);
    return { status: 200, body: { [key]: page, limit, offset, more: offset + page.length < items.length, total: params.get('total') === 'true' ? items.length : null } };
  };

  function listIncidents(params: URLSearchParams): SimResponse {
    const all = params.get('date_range') === 'all';
    const until = params.has('until') ? Date.parse(params.get('until')!) : dataset.end;
    const since = params.has('since') ? Date.parse(params.get('since')!) : until - 30 * 86_400_000;
    if (!all && (!Number.isFinite(since) || !Number.isFinite(until))) {
      return { status: 400, body: { error: { message: "Invalid 'since' or 'until' Parameter Values", code: 2004 } } };
    }
    if (!all && (until - since > SIX_MONTHS_MS || until < since)) {
      return { status: 400, body: { error: { message: 'Invalid Query Date Range', code: 2005, errors: ['The maximum range is 6 months.'] } } };
    }
    const set = (name: string) => (params.has(name) ? new Set(params.getAll(name)) : undefined);
    const statuses = set('statuses[]');
    const serviceIds = set('service_ids[]');
    const teamIds = set('team_ids[]');
    const urgencies = set('urgencies[]');
    let matches = dataset.incidents.filter(
      (i) =>
        (all || (i.createdAt >= since && i.createdAt < until)) &&
        (!statuses || statuses.has(i.status)) &&
        (!serviceIds || serviceIds.has(i.serviceId)) &&
        (!teamIds || teamIds.has(i.teamId)) &&
        (!urgencies || urgencies.has(i.urgency)),
    );
    if ((params.get('sort_by') ?? '').includes('created_at:desc')) matches = [...matches].reverse();
    const includeTrigger = params.getAll('include[]').includes('first_trigger_log_entries');
    const response = list(params, matches, 'incidents');
    if (response.status === 200) {
      const body = response.body as { incidents: SimIncident[] };
      body.incidents = body.incidents.map((i) => renderIncident(i, includeTrigger)) as never;
    }
    return response;
  }

  function handle(request: SimRequest): SimResponse {
    const auth = /^Token token=(.+)$/.exec(String(request.headers['authorization'] ?? ''));
    const kind = auth ? tokens.get(auth[1]!) : undefined;
    if (!kind) return { status: 401, body: pdError(401) };
    const { pathname } = request.url;
    const params = request.url.searchParams;
    if (request.method !== 'GET') return { status: 404, body: pdError(404) };
    if (pathname === '/abilities') return { status: 200, body: { abilities: ['teams', 'urgencies', 'read_only_users', 'service_support_hours', 'priorities'] } };
    if (kind === 'restricted') return { status: 403, body: pdError(403) };
    if (pathname === '/users/me') {
      if (kind === 'account') {
        return { status: 400, body: { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Requester User Not Found: an account-level API key has no user.'] } } };
      }
      const user = dataset.users[0]!;
      return {
        status: 200,
        body: { user: { ...ref('user', user.id, user.name, 'users'), name: user.name, email: user.email, time_zone: 'Europe/Berlin', role: 'admin', teams: [teamRef(user.teamId)] } },
      };
    }
    if (pathname === '/incidents') return listIncidents(params);
    const incidentMatch = /^\/incidents\/([^/]+)(\/log_entries)?$/.exec(pathname);
    if (incidentMatch) {
      const incident = byId.get(decodeURIComponent(incidentMatch[1]!));
      if (!incident) return { status: 404, body: pdError(404) };
      if (incidentMatch[2]) return list(params, logEntries(incident), 'log_entries');
      return { status: 200, body: { incident: renderIncident(incident, false) } };
    }
    if (pathname === '/services') return list(params, [...services.keys()].map(renderService), 'services');
    if (pathname === '/teams') {
      return list(params, dataset.teams.map((t) => ({ ...ref('team', t.id, t.name, 'teams'), name: t.name, description: t.description })), 'teams');
    }
    if (pathname === '/priorities') return list(params, priorities, 'priorities');
    return { status: 404, body: pdError(404) };
  }

  const controls = await startSimServer({ port: options.port, recordResponses: options.recordResponses, handle, errorBody: pdError });

  function incidentEvent(eventType: string, incidentId: string, eventOptions: { at?: number; userId?: string } = {}): PagerDutyEvent {
    const i = byId.get(incidentId);
    if (!i) throw new Error(`no simulated incident ${incidentId}`);
    const user = userOf(eventOptions.userId ?? i.assigneeId)!;
    const at = eventOptions.at ?? Date.now();
    return {
      event: {
        id: randomUUID(),
        event_type: eventType,
        resource_type: 'incident',
        occurred_at: new Date(at).toISOString(),
        agent: eventType === 'incident.triggered' ? null : userRef(user),
        client: eventType === 'incident.triggered' ? { name: 'Prometheus' } : null,
        data: {
          id: i.id,
          type: 'incident',
          self: `${API}/incidents/${i.id}`,
          html_url: `${web}/incidents/${i.id}`,
          number: i.number,
          status: i.status,
          incident_key: i.key,
          created_at: iso(i.createdAt),
          title: i.title,
          service: serviceRef(i.serviceId),
          assignees: i.status === 'resolved' ? [] : [userRef(userOf(i.assigneeId)!)],
          escalation_policy: policyRef(),
          teams: [teamRef(i.teamId)],
          priority: { ...ref('priority_reference', priorityByName.get(i.priority)!.id, i.priority, 'priorities'), html_url: `${web}/account/incident_priorities` },
          urgency: i.urgency,
          conference_bridge: null,
          resolve_reason: null,
        },
      },
    };
  }

  function change(incidentId: string, eventOptions: { at?: number; userId?: string }, apply: (i: SimIncident, at: number, userId: string) => void): SimIncident {
    const i = byId.get(incidentId);
    if (!i) throw new Error(`no simulated incident ${incidentId}`);
    const at = eventOptions.at ?? Date.now();
    apply(i, at, eventOptions.userId ?? i.assigneeId);
    i.updatedAt = Math.max(i.updatedAt, at);
    return i;
  }

  return {
    ...controls,
    dataset,
    addToken(token, kind = 'user') {
      tokens.set(token, kind);
    },
    revokeToken(token) {
      tokens.delete(token);
    },
    rateLimitNext({ times = 1, retryAfterSeconds, resetSeconds = 2, withoutHeaders = false } = {}) {
      const headers: Record<string, string> = withoutHeaders ? {} : { 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': String(resetSeconds) };
      if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
      controls.failNext({ status: 429, times, headers });
    },
    acknowledge(incidentId, eventOptions = {}) {
      change(incidentId, eventOptions, (i, at, userId) => {
        i.status = 'acknowledged';
        i.acknowledgedAt ??= at;
        i.acknowledgedBy ??= userId;
      });
      return incidentEvent('incident.acknowledged', incidentId, eventOptions);
    },
    resolve(incidentId, eventOptions = {}) {
      change(incidentId, eventOptions, (i, at, userId) => {
        i.status = 'resolved';
        i.resolvedAt = at;
        i.resolvedBy = userId;
      });
      return incidentEvent('incident.resolved', incidentId, eventOptions);
    },
    addNote(incidentId, text, eventOptions = {}) {
      const i = change(incidentId, eventOptions, (inc, at, userId) => {
        inc.notes.push({ id: vendorId('P', 6, dataset.seed, 'note', inc.number, inc.notes.length), at, userId, text });
      });
      const note = i.notes[i.notes.length - 1]!;
      const base = incidentEvent('incident.annotated', incidentId, eventOptions);
      base.event.data = { incident: incidentRef(i), id: note.id, content: text, trimmed: false, type: 'incident_note' };
      return base;
    },
    incidentEvent,
    async sendWebhook(url, event, sendOptions = {}) {
      const body = JSON.stringify(event);
      const webhookId = sendOptions.webhookId ?? randomUUID();
      const secrets = sendOptions.secrets ?? options.webhookSecrets ?? ['pd-webhook-secret'];
      const result = await postWebhook(url, body, {
        'User-Agent': 'PagerDuty-Webhook/V3.0',
        'X-Webhook-Id': webhookId,
        'X-Webhook-Subscription': vendorId('P', 6, dataset.seed, 'webhook-subscription'),
        'X-PagerDuty-Signature': signPagerDutyBody(body, secrets),
        ...sendOptions.headers,
      });
      return { ...result, webhookId };
    },
  };
}
