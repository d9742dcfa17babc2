// The tuning view of the incident-title benchmark: runs the engine in-process on bench/data/incident-titles.jsonl (as
// the CLI builds incidents) and prints, for TUNING families only, how each family is clustered and which clusters mix
// families. Held-out families appear only as aggregate scores and anonymous counts, never their titles or templates.
//
//   node bench/incident-titles/inspect.ts [--family KEY]... [--samples N] [--settings JSON]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { recluster, type ClusteringSettingsOverrides } from '../../analysis/index.ts';
import { parseIncidentLine } from '../../scripts/insights.ts';
import { familyBreakdown, scoreClustering } from '../lib/cluster-metrics.ts';
import { INCIDENTS_FILE, LABELS_FILE, ensureIncidentTitles } from './generate.ts';

const { values } = parseArgs({
  options: {
    family: { type: 'string', multiple: true },
    samples: { type: 'string', default: '2' },
    settings: { type: 'string' },
  },
});
const samples = Number(values.samples);
const settings = values.settings === undefined ? undefined : (JSON.parse(values.settings) as ClusteringSettingsOverrides);

ensureIncidentTitles();
const lines = readFileSync(INCIDENTS_FILE, 'utf8').split('\n');
const incidents = lines.flatMap((text, i) => (text.trim() === '' ? [] : [parseIncidentLine(text, i + 1)]));
const labels = readFileSync(LABELS_FILE, 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as { id: string; family: string; held_out: boolean });
const label = new Map(labels.map((l) => [l.id, l]));

const started = performance.now();
const result = recluster(settings === undefined ? { incidents } : { incidents, settings });
const ms = performance.now() - started;

const families = incidents.map((incident) => label.get(incident.id)!.family);
const heldOut = incidents.map((incident) => label.get(incident.id)!.held_out);
const predicted = result.assignments.map((a) => a.clusterId);
const tuning = new Set(families.filter((_, i) => !heldOut[i]));
const shown = values.family === undefined ? tuning : new Set(values.family.filter((f) => tuning.has(f)));
if (values.family !== undefined && shown.size === 0) {
  console.error('none of the given families is a tuning family');
  process.exit(2);
}

const f3 = (x: number) => x.toFixed(3);
const print = (name: string, mask?: boolean[]) => {
  const s = scoreClustering(families, predicted, mask);
  console.log(
    `${name.padEnd(9)} incidents ${s.incidents}, families ${s.families}, clusters ${s.clusters}: ARI ${f3(s.ari)}  V ${f3(s.vMeasure)}  homogeneity ${f3(s.homogeneity)}  completeness ${f3(s.completeness)}  purity ${f3(s.purity)}  family GA ${f3(s.ga)}`,
  );
};
console.log(`recluster of ${incidents.length} incidents: ${ms.toFixed(0)} ms, ${result.clusters.length} clusters`);
print('tuning', heldOut.map((h) => !h));
print('held-out', heldOut);
print('all');

// Per cluster: which families it holds, and the per-incident templates and titles of its tuning incidents. A held-out
// incident is only counted: its title, and any template mined from it, stay hidden.
interface ClusterView {
  size: number;
  heldOut: number;
  byFamily: Map<string, number[]>;
}
const clusters = new Map<string, ClusterView>();
predicted.forEach((clusterId, i) => {
  let view = clusters.get(clusterId);
  if (view === undefined) clusters.set(clusterId, (view = { size: 0, heldOut: 0, byFamily: new Map() }));
  view.size++;
  if (heldOut[i]) view.heldOut++;
  else {
    const list = view.byFamily.get(families[i]!) ?? [];
    list.push(i);
    view.byFamily.set(families[i]!, list);
  }
});

const commonest = (items: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
};
const heldOutNote = (view: ClusterView) => (view.heldOut > 0 ? ` +${view.heldOut} held-out` : '');

console.log('\n== Tuning families, worst first: each family’s clusters (family incidents / cluster size) and the family’s commonest template there');
for (const row of familyBreakdown(families, predicted, shown)) {
  console.log(`\n${row.family}: ${row.size} incidents in ${row.clusters} cluster(s); ${f3(row.largestShare)} in its largest, which is ${f3(row.largestClusterPurity)} this family`);
  const mine = [...clusters].flatMap(([id, view]) => {
    const members = view.byFamily.get(row.family);
    return members === undefined ? [] : [{ id, view, members }];
  });
  mine.sort((a, b) => b.members.length - a.members.length || (a.id < b.id ? -1 : 1));
  for (const { id, view, members } of mine.slice(0, 12)) {
    const others = [...view.byFamily].filter(([f]) => f !== row.family).map(([f, m]) => `${f} ${m.length}`);
    const mix = others.length > 0 || view.heldOut > 0 ? `  [with ${[...others, ...(view.heldOut > 0 ? [`held-out ${view.heldOut}`] : [])].join(', ')}]` : '';
    console.log(`  ${String(members.length).padStart(5)} / ${String(view.size).padEnd(5)} ${id}  ${commonest(members.map((i) => result.assignments[i]!.template))}${mix}`);
  }
  if (mine.length > 12) console.log(`  ... ${mine.length - 12} more clusters`);
}

console.log('\n== Clusters that mix families (tuning families’ sample titles; held-out incidents counted only), largest first');
const mixed = [...clusters].filter(([, view]) => view.byFamily.size + (view.heldOut > 0 ? 1 : 0) >= 2 && [...view.byFamily.keys()].some((f) => shown.has(f)));
mixed.sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
for (const [id, view] of mixed) {
  console.log(`\n${id}: ${view.size} incidents, ${view.byFamily.size} tuning families${heldOutNote(view)}`);
  const ranked = [...view.byFamily].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  for (const [family, members] of ranked) {
    console.log(`  ${family} (${members.length})`);
    const titles = [...new Set(members.map((i) => incidents[i]!.title))].slice(0, samples);
    for (const title of titles) console.log(`      ${title}`);
  }
}
