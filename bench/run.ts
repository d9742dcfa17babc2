// `npm run bench [-- NAME...]`: runs every benchmark, or the named ones, each writing its section of docs/benchmarks.md.
import { runClustering } from './clustering.ts';
import { runDashboard } from './dashboard.ts';
import { runLoghub } from './loghub.ts';
import { runNovelty } from './novelty.ts';
import { runThroughput } from './throughput.ts';
import { runUnify } from './unify.ts';
import { runWebhooks } from './webhooks.ts';

const BENCHMARKS: Record<string, { description: string; run: (command: string) => Promise<void> }> = {
  clustering: { description: 'incident-title clustering quality (tuning / held-out families) and LogHub stream speed, beside Drain3', run: runClustering },
  dashboard: { description: 'dashboard aggregates and incident list pages through the real API at 1M incidents: p50 / p95 / max', run: runDashboard },
  loghub: { description: 'LogHub 2k grouping accuracy per system, beside Drain’s published figures', run: runLoghub },
  novelty: { description: 'new-pattern labels at 1M incidents: full relabel after a recluster moved every incident, batches of 100 new and late', run: runNovelty },
  throughput: { description: 'online assignment, full recluster and CLI on 100k / 1M generated incidents', run: runThroughput },
  unify: { description: 'unification of 200k raw PagerDuty events into 100k incidents in PostgreSQL 15', run: runUnify },
  webhooks: { description: 'signed PagerDuty webhook deliveries into the real API on loopback: rate, latency, loss', run: runWebhooks },
};

const requested = process.argv.slice(2);
if (requested.includes('--help') || requested.includes('-h')) {
  console.log('Usage: npm run bench [-- NAME...]\n');
  for (const [name, { description }] of Object.entries(BENCHMARKS)) console.log(`  ${name.padEnd(12)} ${description}`);
  process.exit(0);
}
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(BENCHMARKS)) {
  const command = `npm run bench -- ${name}`;
  console.log(`\n== ${name}: ${BENCHMARKS[name]!.description}`);
  await BENCHMARKS[name]!.run(command);
}
