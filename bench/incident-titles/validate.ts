// The second development set's view: the tuning families and the 16 of families-validation.ts generated together (a
// data set of its own, in memory; the committed files are not touched), the engine in-process, both rows scored and
// each validation family's clusters printed with sample titles. The held-out families take no part: cascades into
// them are dropped.
//
//   node bench/incident-titles/validate.ts [--quiet] [--settings JSON]
import { parseArgs } from 'node:util';
import { recluster, type ClusteringSettingsOverrides } from '../../analysis/index.ts';
import { parseIncidentLine } from '../../scripts/insights.ts';
import { familyBreakdown, scoreClustering } from '../lib/cluster-metrics.ts';
import { generateIncidentTitles } from './generate.ts';
import { TUNING_FAMILIES } from './families-tuning.ts';
import { VALIDATION_FAMILIES } from './families-validation.ts';

const { values } = parseArgs({ options: { settings: { type: 'string' }, quiet: { type: 'boolean' } } });
const settings = values.settings === undefined ? undefined : (JSON.parse(values.settings) as ClusteringSettingsOverrides);
// Cascades into families outside these lists (held-out ones) are dropped, not followed.
const keys = new Set([...TUNING_FAMILIES, ...VALIDATION_FAMILIES].map((f) => f.key));
const tuning = TUNING_FAMILIES.map((f) => ({ ...f, cascades: f.cascades?.filter((c) => keys.has(c.family)) }));
const g = generateIncidentTitles({ tuning, heldOut: VALIDATION_FAMILIES });
const lines = g.incidents.split('\n');
const incidents = lines.flatMap((text, i) => (text.trim() === '' ? [] : [parseIncidentLine(text, i + 1)]));
const labels = g.labels.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { id: string; family: string; held_out: boolean });
const result = recluster(settings === undefined ? { incidents } : { incidents, settings });
const families = labels.map((l) => l.family);
const val = labels.map((l) => l.held_out);
const predicted = result.assignments.map((a) => a.clusterId);
const f3 = (x: number) => x.toFixed(3);
const print = (name: string, mask?: boolean[]) => {
  const s = scoreClustering(families, predicted, mask);
  console.log(`${name.padEnd(11)} incidents ${s.incidents}, families ${s.families}, clusters ${s.clusters}: ARI ${f3(s.ari)}  V ${f3(s.vMeasure)}  hom ${f3(s.homogeneity)}  compl ${f3(s.completeness)}  purity ${f3(s.purity)}`);
};
print('tuning', val.map((h) => !h));
print('validation', val);
if (values.quiet) process.exit(0);
const shown = new Set(VALIDATION_FAMILIES.map((f) => f.key));
const byCluster = new Map<string, number[]>();
predicted.forEach((c, i) => { const l = byCluster.get(c) ?? []; l.push(i); byCluster.set(c, l); });
for (const row of familyBreakdown(families, predicted, shown)) {
  console.log(`\n${row.family}: ${row.size} in ${row.clusters} cluster(s); largest ${f3(row.largestShare)}, purity there ${f3(row.largestClusterPurity)}`);
  const mine = [...byCluster].map(([id, members]) => ({ id, members, ours: members.filter((i) => families[i] === row.family) })).filter((x) => x.ours.length > 0);
  mine.sort((a, b) => b.ours.length - a.ours.length);
  for (const { members, ours } of mine.slice(0, 10)) {
    const others = new Map<string, number>();
    for (const i of members) if (families[i] !== row.family) others.set(families[i]!, (others.get(families[i]!) ?? 0) + 1);
    const titles = [...new Set(ours.map((i) => incidents[i]!.title))].slice(0, 2);
    console.log(`  ${String(ours.length).padStart(4)}/${String(members.length).padEnd(5)} ${result.assignments[ours[0]!]!.template}  ${others.size ? '[with ' + [...others].map(([f, n]) => `${f} ${n}`).join(', ') + ']' : ''}\n        e.g. ${titles.join(' | ')}`);
  }
}
