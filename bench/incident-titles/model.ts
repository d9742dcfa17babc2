// The vocabulary of the incident-title benchmark: problem families, the tools that title them, and the phrasing
// helpers that render a tool's title format (Alertmanager, Grafana, Datadog, CloudWatch) from an occurrence's fields.

/** Who wrote the title. `source` in the data is the integration it arrived through, which is a different thing. */
export const TOOLS = ['alertmanager', 'grafana', 'datadog', 'cloudwatch', 'pagerduty', 'opsgenie', 'human'] as const;
export type Tool = (typeof TOOLS)[number];

export const AREAS = [
  'hosts', 'kubernetes', 'databases', 'caches', 'queues', 'search', 'edge', 'cloud', 'http', 'deploys', 'jobs', 'security',
] as const;
export type Area = (typeof AREAS)[number];

/** Which host names an occurrence gets (a database problem happens on a database host). */
export type HostRole = 'generic' | 'db' | 'mysql' | 'cache' | 'kafka' | 'rabbit' | 'es' | 'k8s-node';

/** Who owns the incident in the paging tool (the `service` field). */
export type Owner = 'app' | 'infra' | 'platform' | 'data' | 'messaging' | 'search' | 'edge' | 'security' | 'ci';

/** One occurrence's fields: entities (stable for an affected entity) and measures (new for every alert). */
export type Fields = Readonly<Record<string, string>>;

export interface Random {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** A title: a template with `{field}` placeholders, or a function of the fields. */
export type Phrasing = string | ((f: Fields, random: Random) => string);

export interface Family {
  /** Stable id, written to the labels file. */
  key: string;
  area: Area;
  /** What the problem is, in one line (the README lists it for tuning families). */
  problem: string;
  /** 5 = pages every week, 1 = rare. Sets the family's rank in the Zipf-like sizes. */
  commonness: 1 | 2 | 3 | 4 | 5;
  hosts: HostRole;
  owner: Owner;
  /** At least three tools; within a tool the first wording is the most common. */
  phrasings: Partial<Record<Tool, readonly Phrasing[]>>;
  /** Related problems this one sets off on the same entity within minutes (host down → health check failed). */
  cascades?: ReadonlyArray<{ family: string; probability: number }>;
}

export function fill(template: string, f: Fields): string {
  return template.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, name: string) => {
    const value = f[name];
    if (value === undefined) throw new Error(`unknown field {${name}} in "${template}"`);
    return value;
  });
}

export function render(phrasing: Phrasing, f: Fields, random: Random): string {
  return typeof phrasing === 'string' ? fill(phrasing, f) : phrasing(f, random);
}

/**
 * Prometheus Alertmanager's default notification title (`__subject` in its default.tmpl, also the PagerDuty description
 * and the Opsgenie message by default): `[FIRING:n] <group label values> (<other common label values>)`, values in
 * label-name order. Labels: `name` (the field of the same name), `name=@field`, or `name=literal`.
 */
export function am(alertname: string, labels: readonly string[]): Phrasing {
  return (f, random) => {
    const pairs = labels.map((spec) => {
      const eq = spec.indexOf('=');
      if (eq === -1) return [spec, field(f, spec)] as const;
      const value = spec.slice(eq + 1);
      return [spec.slice(0, eq), value.startsWith('@') ? field(f, value.slice(1)) : value] as const;
    });
    pairs.push(['severity', random.chance(0.6) ? 'warning' : 'critical']);
    // Several alerts in one notification keep only the labels they share: the per-pod/per-instance ones drop out.
    const firing = random.chance(0.8) ? 1 : random.int(2, 4);
    const common = firing === 1 ? pairs : pairs.filter(([name]) => !PER_TARGET_LABELS.has(name));
    const hasNamespace = common.some(([name]) => name === 'namespace');
    // Routes group by alertname (Alertmanager's examples), by alertname and namespace, or by namespace alone
    // (kube-prometheus-stack's default route), which moves the alert name into the parentheses.
    const mode = hasNamespace ? random.pick(['alertname', 'alertname', 'alertname', 'alertname+namespace', 'namespace'] as const) : 'alertname';
    const all = [['alertname', alertname] as const, ...common].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const grouped = mode === 'alertname' ? ['alertname'] : mode === 'namespace' ? ['namespace'] : ['alertname', 'namespace'];
    const groupValues = all.filter(([name]) => grouped.includes(name)).map(([, v]) => v);
    const rest = all.filter(([name]) => !grouped.includes(name)).map(([, v]) => v);
    return `[FIRING:${firing}] ${groupValues.join(' ')}${rest.length > 0 ? ` (${rest.join(' ')})` : ''}`;
  };
}

const PER_TARGET_LABELS = new Set(['pod', 'instance', 'container', 'uid', 'device', 'node', 'endpoint', 'job_name']);

/**
 * A Grafana-managed alert's default title (`default.title`): `[FIRING:n] <rule> <folder> (<label values>)`, as the
 * default policy groups by alertname and grafana_folder. The rule name may hold `{field}` placeholders.
 */
export function gf(rule: string, labels: readonly string[]): Phrasing {
  return (f, random) => {
    const firing = random.chance(0.85) ? 1 : random.int(2, 3);
    const values = firing === 1 ? labels.map((name) => field(f, name)) : [];
    return `[FIRING:${firing}] ${fill(rule, f)} ${field(f, 'folder')}${values.length > 0 ? ` (${values.join(' ')})` : ''}`;
  };
}

/**
 * A Datadog monitor notification title: `[Triggered on {tag:value,...}] <monitor name>` when the monitor includes its
 * triggering tags in the title (the default), `[Warn on {...}]` for the warning threshold, `[P2] ` with a priority, or
 * `[Triggered] <name>` without tags. Tags: `tag` (field of the same name) or `tag=@field`.
 */
export function dd(monitor: string, tags: readonly string[]): Phrasing {
  return (f, random) => {
    const scope = tags
      .map((spec) => {
        const [tag, source] = spec.includes('=@') ? spec.split('=@') : [spec, spec];
        return `${tag}:${field(f, source!)}`;
      })
      .join(',');
    const name = fill(monitor, f);
    const roll = random.next();
    if (roll < 0.5 || scope === '') return scope === '' ? `[Triggered] ${name}` : `[Triggered on {${scope}}] ${name}`;
    if (roll < 0.7) return `[Warn on {${scope}}] ${name}`;
    if (roll < 0.85) return `[P${random.int(1, 3)}] [Triggered on {${scope}}] ${name}`;
    return `[Triggered] ${name}`;
  };
}

/**
 * A CloudWatch alarm as its SNS notification's subject (`ALARM: "<name>" in <region name>`, which is also what email
 * integrations make the incident title), or its bare alarm name (integrations reading the SNS message).
 */
export function cw(alarm: string): Phrasing {
  return (f, random) => {
    const name = fill(alarm, f);
    return random.chance(0.65) ? `ALARM: "${name}" in ${field(f, 'regionName')}` : name;
  };
}

function field(f: Fields, name: string): string {
  const value = f[name];
  if (value === undefined) throw new Error(`unknown field ${name}`);
  return value;
}
