// Incidents from the awesome-prometheus-alerts rules (bench/data/prometheus-alert-rules.json): every rule is one
// problem, which a team receives named two ways: the Alertmanager subject with the rule's alert name
// (`[FIRING:1] HostOutOfMemory (10.2.3.4:9100 node-exporter warning)`) and the rule's summary annotation, as an
// Opsgenie or PagerDuty receiver that uses it titles the incident (`Host out of memory (instance 10.2.3.4:9100)`).
// A good engine puts both in one cluster per rule, and keeps the ~950 rules (many alike: "… down", "… high memory
// usage" of a hundred exporters) apart. Seeded: the same bytes on every run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../lib/generate-incidents.ts';
import { REPO_ROOT } from '../lib/report.ts';

export const RULES_FILE = join(REPO_ROOT, 'bench/data/prometheus-alert-rules.json');

export interface PrometheusRule {
  /** The rules file in dist/rules, without `.yml` (`host-and-hardware/node-exporter`). */
  exporter: string;
  alert: string;
  /** The summary annotation, with Go template expressions (`{{ $labels.instance }}`). */
  summary: string;
}

export interface PrometheusIncidents {
  /** The CLI's JSONL. */
  incidents: string;
  ids: string[];
  /** Per incident: `<exporter>#<alert>`. */
  rules: string[];
  ruleCount: number;
}

const PER_RULE = 8;

export function readPrometheusRules(): PrometheusRule[] {
  return (JSON.parse(readFileSync(RULES_FILE, 'utf8')) as { rules: PrometheusRule[] }).rules;
}

export function generatePrometheusIncidents(rules: readonly PrometheusRule[] = readPrometheusRules()): PrometheusIncidents {
  const random = seededRandom(20251207);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const instance = () =>
    pick([
      () => `10.${int(9)}.${int(250)}.${int(250)}:9100`,
      () => `web-${int(30)}:9100`,
      () => `db-${int(9)}:9187`,
      () => `node-${int(40)}.prod.internal:9100`,
    ])();
  const fill = (template: string, at: string) =>
    template
      .replace(/\{\{\s*\$labels\.instance\s*\}\}/g, at)
      .replace(/\{\{\s*\$value[^}]*\}\}/g, () => String(int(900)))
      .replace(/\{\{\s*\$labels\.([A-Za-z_]+)\s*\}\}/g, (_, label: string) => `${label}-${int(5)}`)
      .replace(/\{\{[^}]*\}\}/g, 'x');
  const made: Array<{ title: string; rule: string }> = [];
  for (const rule of rules) {
    const key = `${rule.exporter}#${rule.alert}`;
    const job = rule.exporter.split('/')[0]!;
    for (let k = 0; k < PER_RULE; k++) {
      const at = instance();
      const title = k % 2 === 0 ? `[FIRING:1] ${rule.alert} (${at} ${job} ${pick(['warning', 'critical'])})` : fill(rule.summary, at);
      made.push({ title, rule: key });
    }
  }
  // Interleaved in a seeded order, a minute apart: the rules fire among each other, not one after another.
  const order = made.map((_, i) => [random(), i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
  const start = Date.parse('2025-06-02T00:00:00Z');
  const ids: string[] = [];
  const lines: string[] = [];
  const keys: string[] = [];
  order.forEach((index, n) => {
    const id = `prom-${String(n + 1).padStart(5, '0')}`;
    ids.push(id);
    keys.push(made[index]!.rule);
    const createdAt = new Date(start + n * 60_000).toISOString().replace('.000Z', 'Z');
    lines.push(JSON.stringify({ id, title: made[index]!.title, source: 'alertmanager', created_at: createdAt }));
  });
  return { incidents: `${lines.join('\n')}\n`, ids, rules: keys, ruleCount: rules.length };
}
