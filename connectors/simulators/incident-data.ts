// Deterministic, realistic incident history for the vendor simulators: templated alert titles across services and teams.
import { createHash } from 'node:crypto';

/** Small seeded PRNG (mulberry32): the same seed gives the same history on every machine. */
export function createRng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;
  const weighted = <T extends { weight: number }>(items: readonly T[]): T => {
    let r = next() * items.reduce((sum, item) => sum + item.weight, 0);
    for (const item of items) if ((r -= item.weight) < 0) return item;
    return items[items.length - 1]!;
  };
  return { next, int, pick, chance, weighted };
}
export type Rng = ReturnType<typeof createRng>;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A PagerDuty-looking id ("P" + 6 characters for objects, "Q" + 13 for incidents), stable for a seed and name. */
export function vendorId(prefix: string, length: number, ...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(parts.join(':')).digest();
  let id = prefix;
  for (let i = 0; id.length < length + prefix.length; i++) id += ALPHANUM[digest[i % digest.length]! % ALPHANUM.length];
  return id;
}

/** A UUID-shaped id, stable for a seed and name (Opsgenie ids look like this). */
export function stableUuid(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface SimTeam { id: string; name: string; description: string }
export interface SimService { id: string; name: string; teamId: string; description: string }
export interface SimUser { id: string; name: string; email: string; teamId: string }
export interface SimNote { id: string; at: number; userId: string; text: string }
export type SimUrgency = 'high' | 'low';
export type SimPriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
export type SimStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface SimIncident {
  number: number;
  /** PagerDuty-style incident id. */
  id: string;
  /** Dedup key: the same alert source and host give the same key. */
  key: string;
  title: string;
  description: string;
  details: Record<string, string>;
  template: string;
  serviceId: string;
  teamId: string;
  urgency: SimUrgency;
  priority: SimPriority;
  createdAt: number;
  assigneeId: string;
  reassignment?: { at: number; userId: string; byUserId: string };
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  /** A user id, or undefined when the monitoring tool resolved it (the alert cleared). */
  resolvedBy?: string;
  notes: SimNote[];
  tags: string[];
  status: SimStatus;
  updatedAt: number;
}

export interface SimDataset {
  seed: number;
  teams: SimTeam[];
  services: SimService[];
  users: SimUser[];
  /** Oldest first. */
  incidents: SimIncident[];
  start: number;
  end: number;
}

export interface GenerateOptions {
  seed?: number;
  count?: number;
  /** End of the history (ms); default now, rounded down to the minute. */
  end?: number;
  /** Length of the history in days (default 90). */
  days?: number;
}

const TEAMS = [
  { key: 'platform', name: 'Platform', description: 'Kubernetes, ingress and batch infrastructure' },
  { key: 'payments', name: 'Payments', description: 'Checkout and payment processing' },
  { key: 'search', name: 'Search', description: 'Search API and indexing' },
  { key: 'data', name: 'Data', description: 'Databases, streaming and ETL' },
] as const;

const SERVICES = [
  { name: 'ingress-nginx', team: 'platform' },
  { name: 'kubernetes-prod', team: 'platform' },
  { name: 'batch-workers', team: 'platform' },
  { name: 'checkout-api', team: 'payments' },
  { name: 'payments-gateway', team: 'payments' },
  { name: 'search-api', team: 'search' },
  { name: 'search-indexer', team: 'search' },
  { name: 'postgres-primary', team: 'data' },
  { name: 'kafka', team: 'data' },
  { name: 'etl-pipeline', team: 'data' },
] as const;
type ServiceName = (typeof SERVICES)[number]['name'];

const PEOPLE = [
  ['Ada Fernandes', 'platform'], ['Bruno Keller', 'platform'], ['Chen Wei', 'payments'], ['Dana Okafor', 'payments'],
  ['Emil Novak', 'search'], ['Farah Haddad', 'search'], ['Greta Lind', 'data'], ['Hiro Tanaka', 'data'],
] as const;

interface Template {
  name: string;
  weight: number;
  services: readonly ServiceName[];
  priorities: readonly SimPriority[];
  urgency: SimUrgency;
  render(rng: Rng, service: ServiceName): { title: string; description: string; host: string; details: Record<string, string> };
}

const ip = (rng: Rng) => `ip-10-${rng.int(0, 9)}-${rng.int(0, 40)}-${rng.int(2, 254)}`;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];

const TEMPLATES: readonly Template[] = [
  {
    name: 'high-cpu', weight: 18, services: ['checkout-api', 'search-api', 'kubernetes-prod'], priorities: ['P2', 'P3'], urgency: 'high',
    render: (rng) => {
      const host = ip(rng);
      const pct = rng.int(88, 99);
      return { host, title: `High CPU on ${host} (${pct}%)`, description: `CPU utilisation on ${host} has been above 85% for 10 minutes (now ${pct}%).`, details: { host, metric: 'node_cpu_utilisation', value: `${pct}%` } };
    },
  },
  {
    name: 'disk-pressure', weight: 12, services: ['batch-workers', 'kubernetes-prod'], priorities: ['P3'], urgency: 'high',
    render: (rng) => {
      const host = `batch-node-${rng.int(1, 40)}`;
      return { host, title: `Disk pressure on ${host}`, description: `Kubelet reports DiskPressure on ${host}; pods are being evicted.`, details: { host, condition: 'DiskPressure' } };
    },
  },
  {
    name: 'memory', weight: 9, services: ['search-indexer', 'etl-pipeline', 'checkout-api'], priorities: ['P3', 'P4'], urgency: 'low',
    render: (rng, service) => {
      const host = `${service}-${rng.int(1, 12)}`;
      const pct = rng.int(90, 99);
      return { host, title: `Memory usage ${pct}% on ${host}`, description: `Resident memory of ${service} on ${host} is at ${pct}% of the limit.`, details: { host, value: `${pct}%` } };
    },
  },
  {
    name: 'http-5xx', weight: 10, services: ['checkout-api', 'payments-gateway', 'search-api', 'ingress-nginx'], priorities: ['P1', 'P2'], urgency: 'high',
    render: (rng, service) => {
      const rate = (rng.int(52, 400) / 10).toFixed(1);
      return { host: service, title: `HTTP 5xx rate ${rate}% on ${service}`, description: `More than 5% of requests to ${service} failed with 5xx over 5 minutes (${rate}%).`, details: { service, value: `${rate}%`, threshold: '5%' } };
    },
  },
  {
    name: 'latency', weight: 10, services: ['checkout-api', 'search-api', 'payments-gateway'], priorities: ['P2', 'P3'], urgency: 'high',
    render: (rng, service) => {
      const ms = rng.int(1200, 9000);
      const endpoint = rng.pick(['/api/v1/orders', '/api/v1/search', '/api/v1/charge', '/api/v1/cart']);
      return { host: service, title: `Latency p99 ${ms}ms on ${service} ${endpoint}`, description: `p99 latency of ${endpoint} is ${ms} ms (SLO 800 ms).`, details: { service, endpoint, value: `${ms}ms` } };
    },
  },
  {
    name: 'crashloop', weight: 8, services: ['checkout-api', 'search-indexer', 'etl-pipeline', 'payments-gateway'], priorities: ['P2', 'P3'], urgency: 'high',
    render: (rng, service) => {
      const pod = `${service}-${Math.floor(rng.next() * 0xfffff).toString(16).padStart(5, '0')}-${Math.floor(rng.next() * 0xfffff).toString(16).padStart(5, '0')}`;
      const ns = rng.pick(['prod', 'prod-eu', 'payments', 'search']);
      return { host: pod, title: `Pod ${pod} CrashLoopBackOff in namespace ${ns}`, description: `Container of ${pod} restarted ${rng.int(5, 40)} times in 15 minutes.`, details: { pod, namespace: ns } };
    },
  },
  {
    name: 'cert-expiry', weight: 3, services: ['ingress-nginx'], priorities: ['P4'], urgency: 'low',
    render: (rng) => {
      const domain = rng.pick(['api.example.com', 'checkout.example.com', 'search.example.com', 'status.example.com']);
      const days = rng.int(3, 14);
      return { host: domain, title: `TLS certificate for ${domain} expires in ${days} days`, description: `The certificate served for ${domain} expires in ${days} days.`, details: { domain, days: String(days) } };
    },
  },
  {
    name: 'replication-lag', weight: 6, services: ['postgres-primary'], priorities: ['P2', 'P3'], urgency: 'high',
    render: (rng) => {
      const host = `pg-replica-${rng.int(1, 4)}`;
      const lag = rng.int(30, 900);
      return { host, title: `Replication lag ${lag}s on ${host}`, description: `Streaming replication on ${host} is ${lag} seconds behind the primary.`, details: { host, value: `${lag}s` } };
    },
  },
  {
    name: 'consumer-lag', weight: 6, services: ['kafka', 'etl-pipeline'], priorities: ['P3'], urgency: 'low',
    render: (rng) => {
      const topic = rng.pick(['orders', 'payments.events', 'search.updates', 'clickstream']);
      const lag = rng.int(10_000, 900_000);
      return { host: topic, title: `Kafka consumer lag ${lag} on topic ${topic}`, description: `Consumer group lag on ${topic} is ${lag} messages and growing.`, details: { topic, value: String(lag) } };
    },
  },
  {
    name: 'job-failed', weight: 8, services: ['batch-workers', 'etl-pipeline'], priorities: ['P4', 'P5'], urgency: 'low',
    render: (rng) => {
      const job = rng.pick(['nightly-billing-export', 'reindex-catalog', 'gdpr-purge', 'daily-ledger-close', 'thumbnail-backfill']);
      const code = rng.pick([1, 2, 137, 143]);
      return { host: job, title: `Job ${job} failed (exit code ${code})`, description: `CronJob ${job} failed with exit code ${code}.`, details: { job, exit_code: String(code) } };
    },
  },
  {
    name: 'health-check', weight: 8, services: ['checkout-api', 'search-api', 'payments-gateway', 'ingress-nginx'], priorities: ['P1', 'P2'], urgency: 'high',
    render: (rng, service) => {
      const region = rng.pick(REGIONS);
      return { host: `${service}.${region}`, title: `Health check failed for ${service} in ${region}`, description: `Synthetic check of ${service} in ${region} failed 3 times in a row.`, details: { service, region } };
    },
  },
  {
    name: 'db-connections', weight: 5, services: ['postgres-primary'], priorities: ['P2', 'P3'], urgency: 'high',
    render: (rng) => {
      const max = 500;
      const n = rng.int(450, 500);
      return { host: 'pg-primary-1', title: `Database connections ${n}/${max} on pg-primary-1`, description: `Connection count on pg-primary-1 is ${n} of ${max}.`, details: { host: 'pg-primary-1', value: `${n}/${max}` } };
    },
  },
];

const NOTES = [
  'Restarted the affected pods; watching the graphs.',
  'Scaled the node group up by two nodes.',
  'Rolled back the last deploy, error rate is dropping.',
  'Known issue, tracked in the weekly capacity review.',
  'Cleared old logs from /var/log, disk back to 60%.',
  'Upstream provider reports degraded performance in this region.',
  'False positive: threshold too tight for the batch window.',
];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The generated history: same options, same incidents (ids, texts, times). */
export function generateIncidents(options: GenerateOptions = {}): SimDataset {
  const seed = options.seed ?? 1;
  const count = options.count ?? 500;
  const end = options.end ?? Math.floor(Date.now() / MINUTE) * MINUTE;
  const days = options.days ?? 90;
  const start = end - days * DAY;
  const rng = createRng(seed);

  const teams: SimTeam[] = TEAMS.map((t) => ({ id: vendorId('P', 6, seed, 'team', t.key), name: t.name, description: t.description }));
  const teamOf = (key: string) => teams[TEAMS.findIndex((t) => t.key === key)]!;
  const services: SimService[] = SERVICES.map((s) => ({ id: vendorId('P', 6, seed, 'service', s.name), name: s.name, teamId: teamOf(s.team).id, description: `${s.name} (production)` }));
  const users: SimUser[] = PEOPLE.map(([name, team]) => ({
    id: vendorId('P', 6, seed, 'user', name),
    name,
    email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com`,
    teamId: teamOf(team).id,
  }));

  // A few spikes (a bad deploy, a noisy node pool) make trends and spike detection show something.
  const spikes = Array.from({ length: Math.max(1, Math.round(days / 30)) }, () => ({ at: start + rng.next() * (end - start), template: rng.pick(TEMPLATES) }));

  const times: { at: number; template?: Template }[] = [];
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.12)) {
      const spike = rng.pick(spikes);
      times.push({ at: Math.min(end - MINUTE, spike.at + rng.next() * 6 * 60 * MINUTE), template: spike.template });
    } else {
      times.push({ at: start + rng.next() * (end - start) });
    }
  }
  times.sort((a, b) => a.at - b.at);

  const incidents = times.map(({ at, template: forced }, index): SimIncident => {
    const number = index + 1;
    const template = forced ?? rng.weighted(TEMPLATES);
    const serviceName = rng.pick(template.services);
    const service = services.find((s) => s.name === serviceName)!;
    const rendered = template.render(rng, serviceName);
    const createdAt = Math.floor(at / 1000) * 1000;
    const teamUsers = users.filter((u) => u.teamId === service.teamId);
    const assignee = rng.pick(teamUsers);
    const incident: SimIncident = {
      number,
      id: vendorId('Q', 13, seed, 'incident', number),
      key: createHash('sha1').update(`${template.name}:${rendered.host}`).digest('hex').slice(0, 32),
      title: rendered.title,
      description: rendered.description,
      details: rendered.details,
      template: template.name,
      serviceId: service.id,
      teamId: service.teamId,
      urgency: template.urgency,
      priority: rng.pick(template.priorities),
      createdAt,
      assigneeId: assignee.id,
      notes: [],
      tags: [template.name, serviceName],
      status: 'triggered',
      updatedAt: createdAt,
    };
    const age = end - createdAt;
    const open = age < 2 * DAY && rng.chance(age < 6 * 60 * MINUTE ? 0.7 : 0.25);
    const autoResolved = !open && rng.chance(0.2);
    let t = createdAt;
    if (!autoResolved && (!open || rng.chance(0.5))) {
      t += Math.round((1 + rng.next() ** 2 * 40) * MINUTE);
      if (t < end) {
        incident.acknowledgedAt = t;
        incident.acknowledgedBy = assignee.id;
        incident.status = 'acknowledged';
      }
    }
    if (rng.chance(0.1)) {
      const other = rng.pick(teamUsers.filter((u) => u.id !== assignee.id).concat(users.filter((u) => u.teamId !== service.teamId)).slice(0, 3));
      const at2 = t + Math.round(rng.int(2, 20) * MINUTE);
      if (at2 < end) {
        incident.reassignment = { at: at2, userId: other.id, byUserId: assignee.id };
        incident.assigneeId = other.id;
        t = at2;
      }
    }
    const noteCount = rng.chance(0.3) ? rng.int(1, 2) : 0;
    for (let n = 0; n < noteCount; n++) {
      const at3 = t + Math.round(rng.int(1, 30) * MINUTE);
      if (at3 >= end) break;
      incident.notes.push({ id: vendorId('P', 6, seed, 'note', number, n), at: at3, userId: incident.assigneeId, text: rng.pick(NOTES) });
      t = at3;
    }
    if (!open) {
      const resolvedAt = t + Math.round((3 + rng.next() ** 2 * 240) * MINUTE);
      if (resolvedAt < end) {
        incident.resolvedAt = resolvedAt;
        incident.resolvedBy = autoResolved ? undefined : incident.assigneeId;
        incident.status = 'resolved';
        t = resolvedAt;
      }
    }
    incident.updatedAt = Math.max(t, createdAt);
    return incident;
  });

  return { seed, teams, services, users, incidents, start, end };
}
