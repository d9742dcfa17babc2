// Extracts the alert rules of samber/awesome-prometheus-alerts (dist/rules/**/*.yml, CC BY 4.0) into
// bench/data/prometheus-alert-rules.json: per rule its exporter file, alert name and summary. Run against a checkout:
//
//   node bench/prometheus-alerts/extract.ts /path/to/awesome-prometheus-alerts [commit]
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { RULES_FILE, type PrometheusRule } from './generate.ts';

const [checkout, commit = 'unknown'] = process.argv.slice(2);
if (checkout === undefined) {
  console.error('usage: extract.ts <awesome-prometheus-alerts checkout> [commit]');
  process.exit(2);
}
const root = join(checkout, 'dist/rules');
const files = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.yml') ? [path] : [];
    });

const rules: PrometheusRule[] = [];
const seen = new Set<string>();
for (const path of files(root)) {
  const exporter = relative(root, path).replace(/\.yml$/, '');
  const doc = parse(readFileSync(path, 'utf8')) as { groups?: Array<{ rules?: Array<{ alert?: string; annotations?: { summary?: string } }> }> } | null;
  for (const group of doc?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      const summary = rule.annotations?.summary;
      if (!rule.alert || !summary) continue;
      const key = `${exporter}#${rule.alert}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ exporter, alert: rule.alert, summary: String(summary) });
    }
  }
}
writeFileSync(RULES_FILE, `${JSON.stringify({ source: 'https://github.com/samber/awesome-prometheus-alerts', license: 'CC BY 4.0', commit, rules }, null, 1)}\n`);
console.log(`${rules.length} rules from ${new Set(rules.map((r) => r.exporter)).size} exporter files → ${RULES_FILE}`);
