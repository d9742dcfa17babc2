// A local deterministic text embedding (feature hashing) so runbook retrieval works offline, with no model configured.
//
// Features of a text: its words (masked like clustering masks them, so `ip-10-0-0-1` and `ip-10-9-8-7` agree, with
// stop words dropped, camel-case alert names split into their words, a bare 4xx/5xx status kept as its class, and a
// light stemmer), domain synonyms (`oom` -> memory), word bigrams and character trigrams of each word (so `restarts`
// meets `restarted`). Each feature's count is damped (1 + ln tf), weighted by its
// group, hashed with FNV-1a into one of `dims` slots with a hashed sign (collisions cancel out instead of piling up),
// and the vector is L2-normalised so a dot product is the cosine.
import { compileMasker } from '../clustering/masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS } from '../clustering/settings.ts';
import { hashText } from '../clustering/cluster-ids.ts';
import type { RunbookStep } from './runbook-types.ts';

export const DEFAULT_EMBEDDING_DIMS = 384;

const WEIGHTS = { word: 1, synonym: 0.6, bigram: 0.5, trigram: 0.35, placeholder: 0.3 } as const;

const masker = compileMasker(DEFAULT_CLUSTERING_SETTINGS.masking);

const STOP_WORDS = new Set(
  ('a an the and or but if then else of on in at to for from by with without into onto over under is are was were be been ' +
    'being it its this that these those there here as not no so do does did done can could should would will shall may ' +
    'might must has have had i we you he she they them our your their my me us what which who whom when where why how ' +
    'all any some each every than too very just also only up down out off again per via etc').split(' '),
);

// Words responders use interchangeably; each maps to one canonical feature added beside the word itself.
const SYNONYMS: Record<string, string> = {
  cpu: 'cpu', processor: 'cpu', load: 'cpu', throttl: 'cpu',
  memory: 'memory', mem: 'memory', ram: 'memory', oom: 'memory', oomkill: 'memory', oomkilled: 'memory', heap: 'memory', swap: 'memory',
  disk: 'disk', storage: 'disk', volume: 'disk', filesystem: 'disk', inode: 'disk', space: 'disk', pvc: 'disk',
  database: 'database', db: 'database', postgres: 'database', postgresql: 'database', mysql: 'database', psql: 'database', rds: 'database', sql: 'database',
  kubernetes: 'kubernetes', k8s: 'kubernetes', kube: 'kubernetes', kubectl: 'kubernetes', pod: 'kubernetes', eks: 'kubernetes', gke: 'kubernetes',
  latency: 'latency', slow: 'latency', timeout: 'latency', lag: 'latency', delay: 'latency',
  error: 'error', fail: 'error', failure: 'error', exception: 'error', crash: 'error', '5xx': 'error', panic: 'error',
  certificate: 'certificate', cert: 'certificate', tls: 'certificate', ssl: 'certificate', x509: 'certificate',
  dns: 'dns', resolv: 'dns', nxdomain: 'dns', resolve: 'dns', resolution: 'dns', lookup: 'dns', getaddrinfo: 'dns', enotfound: 'dns', servfail: 'dns', coredns: 'dns', nameserver: 'dns',
  restart: 'restart', reboot: 'restart', bounce: 'restart', crashloopbackoff: 'restart', crashloop: 'restart', backoff: 'restart',
  network: 'network', packet: 'network', connection: 'network', connect: 'network', unreachable: 'network', retransmit: 'network', retransmission: 'network', loss: 'network',
  queue: 'queue', backlog: 'queue', kafka: 'queue', rabbitmq: 'queue', sqs: 'queue', consumer: 'queue',
  node: 'host', host: 'host', server: 'host', instance: 'host', vm: 'host', machine: 'host', ec2: 'host',
  p50: 'latency', p90: 'latency', p95: 'latency', p99: 'latency', p999: 'latency',
  io: 'io', iowait: 'io', iops: 'io', iostat: 'io',
  clock: 'clock', ntp: 'clock', ntpd: 'clock', chrony: 'clock', chronyd: 'clock', skew: 'clock', drift: 'clock',
  fd: 'fd', fds: 'fd', descriptor: 'fd', emfile: 'fd', ulimit: 'fd', nofile: 'fd',
  ratelimit: 'ratelimit', quota: 'ratelimit',
  deploy: 'deploy', deployment: 'deploy', rollout: 'deploy', release: 'deploy', rollback: 'deploy',
  cron: 'job', cronjob: 'job', job: 'job',
  backup: 'backup', snapshot: 'backup', restore: 'backup', pgbackrest: 'backup',
  hpa: 'autoscaling', autoscaler: 'autoscaling', autoscal: 'autoscaling', autoscale: 'autoscaling',
  lb: 'loadbalancer', alb: 'loadbalancer', elb: 'loadbalancer', nlb: 'loadbalancer', loadbalancer: 'loadbalancer', balancer: 'loadbalancer',
  elasticsearch: 'elasticsearch', opensearch: 'elasticsearch', es: 'elasticsearch', shard: 'elasticsearch',
  redis: 'cache', elasticache: 'cache', memcached: 'cache', cache: 'cache',
  lock: 'lock', deadlock: 'lock', contention: 'lock',
  probe: 'probe', blackbox: 'probe', synthetic: 'probe', uptime: 'probe', pingdom: 'probe',
  permission: 'permission', forbidden: 'permission', deni: 'permission', deny: 'permission', accessdenied: 'permission', unauthorized: 'permission', unauthoriz: 'permission', iam: 'permission',
  gc: 'jvm', jvm: 'jvm', java: 'jvm', garbage: 'jvm',
};

const PLACEHOLDER = /<([A-Z][A-Z0-9_-]*)>/g;
const HTTP_STATUS = /(?<![\w./:=%-])([45])\d\d(?![\w./:=%-])/g;

/** Words of a text as the embedding sees them: masked, lower-cased, split on non-alphanumerics, stemmed. */
export function embeddingTokens(text: string): string[] {
  const out: string[] = [];
  // A bare 4xx/5xx number is an HTTP status in operations texts; masking would turn it into a meaningless <NUM>.
  for (const token of masker.maskTokens(text.replace(HTTP_STATUS, '$& $1xx'))) {
    // A bare number says nothing about what an incident is; the other placeholders say what kind of thing is named.
    for (const m of token.matchAll(PLACEHOLDER)) if (m[1] !== 'NUM') out.push(`<${m[1]!.toLowerCase()}>`);
    const cased = token.replace(PLACEHOLDER, ' ');
    const plain = cased.toLowerCase();
    // `back-off` and `backoff`, `set-up` and `setup` are one word to a reader.
    for (const m of plain.matchAll(/\b[a-z]+(?:-[a-z]+)+\b/g)) out.push(stem(m[0].replace(/-/g, '')));
    for (const word of cased.split(/[^A-Za-z0-9]+/)) {
      const lower = word.toLowerCase();
      if (lower === '' || STOP_WORDS.has(lower) || /^\d+$/.test(lower)) continue;
      out.push(stem(lower));
      // Alert names are camel case (`KubePodCrashLooping`, `OOMKilled`): the words inside are what a runbook says.
      const parts = splitCamel(word);
      if (parts.length > 1) for (const part of parts) if (!STOP_WORDS.has(part) && !/^\d+$/.test(part)) out.push(stem(part));
    }
  }
  return out;
}

/** `KubePodCrashLooping` -> kube pod crash looping, `OOMKilled` -> oom killed, `Http5xxErrors` -> http 5xx errors. */
function splitCamel(word: string): string[] {
  if (!/[a-z][A-Z]|[A-Z]{2}[a-z]/.test(word)) return [word.toLowerCase()];
  return word
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z]{3,})(\d)/g, '$1 $2')
    .toLowerCase()
    .split(' ');
}

function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  for (const suffix of ['ing', 'ed', 's']) {
    if (!word.endsWith(suffix) || word.length - suffix.length < 3 || word.endsWith('ss')) continue;
    const stemmed = word.slice(0, -suffix.length);
    // lagging -> lag, stopped -> stop (but keep fill, pass)
    return suffix !== 's' && /([b-df-hj-kmnp-rtv-z])\1$/.test(stemmed) ? stemmed.slice(0, -1) : stemmed;
  }
  return word;
}

/** FNV-1a over UTF-16 code units: deterministic on every machine and runtime. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function embed(text: string, dims: number = DEFAULT_EMBEDDING_DIMS): Float32Array {
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`embedding dims must be a positive integer, got ${dims}`);
  const features = new Map<string, { weight: number; tf: number }>();
  const add = (feature: string, weight: number) => {
    const f = features.get(feature);
    if (f === undefined) features.set(feature, { weight, tf: 1 });
    else {
      // The same trigram comes from short and long words; it counts at its strongest, whatever the word order.
      f.weight = Math.max(f.weight, weight);
      f.tf++;
    }
  };
  const tokens = embeddingTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.startsWith('<')) {
      add(`p:${token}`, WEIGHTS.placeholder);
      continue;
    }
    add(`w:${token}`, WEIGHTS.word);
    const synonym = SYNONYMS[token];
    if (synonym !== undefined) add(`s:${synonym}`, WEIGHTS.synonym);
    const padded = `#${token}#`;
    // Spread a word's trigram weight over its trigrams so long words do not drown short ones.
    const trigramWeight = WEIGHTS.trigram / Math.sqrt(Math.max(1, padded.length - 2));
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, trigramWeight);
    const next = tokens[i + 1];
    if (next !== undefined && !next.startsWith('<')) add(`b:${token} ${next}`, WEIGHTS.bigram);
  }
  const vector = new Float32Array(dims);
  for (const [feature, { weight, tf }] of features) {
    const h = fnv1a(feature);
    const sign = fnv1a(feature, 0x9747b28c) & 1 ? 1 : -1;
    vector[h % dims]! += sign * weight * (1 + Math.log(tf));
  }
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += vector[i]! * vector[i]!;
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dims; i++) vector[i]! *= scale;
  }
  return vector;
}

/** Cosine similarity; 0 when either vector is all zeros (an empty text). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cannot compare vectors of ${a.length} and ${b.length} dimensions`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface ChunkableRunbook {
  /** The runbook's id; without one, chunk ids derive from the title. */
  id?: string;
  title: string;
  description: string;
  tags?: string[];
  steps: Pick<RunbookStep, 'title' | 'command' | 'explanation'>[];
}

export interface RunbookChunk {
  id: string;
  text: string;
}

/**
 * The pieces of a runbook that are indexed: one for its title, tags and description, one per step. Ids are
 * `<runbook id>#summary` and `<runbook id>#step-<n>` (1-based), so re-indexing a runbook overwrites its chunks;
 * a caller that shortens a runbook deletes the chunks past its last step.
 */
export function chunkRunbook(runbook: ChunkableRunbook): RunbookChunk[] {
  const base = runbook.id ?? `runbook-${hashText(runbook.title)}`;
  const title = runbook.title.trim();
  const tags = (runbook.tags ?? []).length > 0 ? `\nTags: ${(runbook.tags ?? []).join(', ')}` : '';
  const chunks: RunbookChunk[] = [{ id: `${base}#summary`, text: `${title}${tags}\n${runbook.description.trim()}`.trim() }];
  runbook.steps.forEach((step, index) => {
    // The runbook title rides along so a step is found by what the runbook is about, not only by its own words.
    const parts = [`${title}: ${step.title.trim()}`, step.explanation.trim(), step.command.trim()].filter((p) => p !== '');
    chunks.push({ id: `${base}#step-${index + 1}`, text: parts.join('\n') });
  });
  return chunks;
}
