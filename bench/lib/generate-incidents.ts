// Deterministic synthetic incidents shaped like alert titles from PagerDuty/Opsgenie/Alertmanager, for throughput runs.
import type { ClusterIncident } from '../../analysis/index.ts';

/** mulberry32: small, fast, seedable; the same seed gives the same incidents on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pick = () => string;

const SERVICES = [
  'payments', 'checkout', 'search', 'auth', 'catalog', 'inventory', 'shipping', 'notifications', 'billing', 'ledger',
  'gateway', 'profile', 'recommendations', 'media', 'reporting', 'scheduler', 'ingest', 'export', 'audit', 'frontend',
];
const SOURCES = ['pagerduty', 'opsgenie', 'alertmanager', 'webhook'];

function generators(random: () => number) {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  const k8s = (n: number) => Array.from({ length: n }, () => 'bcdfghjklmnpqrstvwxz2456789'[int(0, 26)]).join('');
  const host: Pick = () => pick([`ip-10-${int(0, 9)}-${int(0, 255)}-${int(1, 254)}`, `web-${int(1, 40)}`, `db-${int(1, 6)}.prod.internal`, `batch-node-${int(1, 17)}`]);
  const ip: Pick = () => `10.${int(0, 9)}.${int(0, 255)}.${int(1, 254)}`;
  const pod: Pick = () => `${pick(SERVICES)}-${k8s(9)}${pick(['2', '4', '5', '6', '7', '8', '9'])}-${k8s(5)}`;
  const pct: Pick = () => `${int(80, 100)}%`;
  const ms: Pick = () => `${int(100, 30000)}ms`;
  const uuid: Pick = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const path: Pick = () => pick(['/var/lib/docker', '/var/log', '/data', '/mnt/scratch', '/tmp']);
  const url: Pick = () => `https://${pick(SERVICES)}.example.com/api/v${int(1, 3)}/${pick(['orders', 'users', 'items', 'health'])}`;
  const queue: Pick = () => pick(['orders', 'emails', 'webhooks', 'exports', 'invoices']);
  const n = (lo: number, hi: number): Pick => () => String(int(lo, hi));
  return { pick, int, host, ip, pod, pct, ms, uuid, path, url, queue, n };
}

/**
 * Alert title patterns with the family they belong to: two wordings of the same alert share a family, hence their
 * services and source (what the second clustering stage is for).
 */
function patterns(g: ReturnType<typeof generators>): Array<{ family: number; title: () => string }> {
  const { host, ip, pod, pct, ms, uuid, path, url, queue, n, pick } = g;
  const titles: Array<() => string> = [
    () => `High CPU on ${host()} (${pct()})`,
    () => `CPU usage high on ${host()} (${pct()})`,
    () => `Disk pressure on ${host()}`,
    () => `Disk usage above ${pct()} on ${host()} mount ${path()}`,
    () => `Pod ${pod()} OOMKilled`,
    () => `Pod ${pod()} in CrashLoopBackOff`,
    () => `Container restarted ${n(3, 50)()} times in pod ${pod()}`,
    () => `Database connection timeout to ${ip()}:5432 after ${ms()}`,
    () => `Connection refused to ${ip()}:${pick(['6379', '5432', '9092'])}`,
    () => `HTTP 5xx rate ${pct()} on ${url()}`,
    () => `Latency p99 above ${ms()} for ${url()}`,
    () => `Certificate for ${pick(SERVICES)}.example.com expires in ${n(1, 30)()} days`,
    () => `Replication lag ${n(5, 600)()}s on ${host()}`,
    () => `Queue ${queue()} backlog above ${n(1000, 90000)()} messages`,
    () => `Job ${uuid()} failed after ${n(1, 5)()} retries`,
    () => `Memory usage ${pct()} on ${host()}`,
    () => `Node ${host()} NotReady`,
    () => `Kafka consumer group ${queue()}-consumers lagging by ${n(1000, 500000)()} messages`,
    () => `SSL handshake failed with ${ip()}`,
    () => `Health check failed for ${url()}`,
    () => `Out of file descriptors on ${host()}`,
    () => `Deployment ${pick(SERVICES)} rollout stuck at ${n(1, 9)()}/10 replicas`,
    () => `DNS resolution failed for ${pick(SERVICES)}.example.com`,
    () => `Backup of ${pick(['orders', 'users', 'ledger'])} database failed on ${host()}`,
    () => `Pod ${pod()} was OOMKilled`,
    () => `Memory high on ${host()} (${pct()})`,
  ];
  // Pattern k belongs to family k, except the rewordings at the end and the CPU pair at the start.
  const family = (k: number): number => (k === 1 ? 0 : k === titles.length - 2 ? 4 : k === titles.length - 1 ? 15 : k);
  return titles.map((title, k) => ({ family: family(k), title }));
}

/** `count` incidents over `days` days ending 2025-06-30, with acknowledgement and resolution times. */
export function generateIncidents(count: number, seed = 42, days = 180): ClusterIncident[] {
  const random = seededRandom(seed);
  const g = generators(random);
  const titles = patterns(g);
  // A few patterns dominate, as on real pagers: pattern k is drawn with weight 1/(k+1).
  const weights = titles.map((_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(
    (
      (sum) => (w: number) =>
        (sum += w / total)
    )(0),
  );
  const end = Date.parse('2025-06-30T23:59:59Z');
  const incidents: ClusterIncident[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const r = random();
    let k = cumulative.findIndex((c) => r <= c);
    if (k === -1) k = titles.length - 1;
    const { family, title } = titles[k]!;
    const created = end - Math.floor(random() * days * 86_400_000);
    const ackAfter = g.int(30, 1800) * 1000;
    const resolveAfter = ackAfter + g.int(60, 14_400) * 1000;
    incidents[i] = {
      id: `inc-${String(i).padStart(8, '0')}`,
      title: title(),
      service: SERVICES[(family * 7 + g.int(0, 2)) % SERVICES.length]!,
      source: SOURCES[family % SOURCES.length]!,
      createdAt: new Date(created).toISOString(),
      acknowledgedAt: new Date(created + ackAfter).toISOString(),
      resolvedAt: new Date(created + resolveAfter).toISOString(),
    };
  }
  return incidents;
}
