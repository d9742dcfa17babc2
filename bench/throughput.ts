// Throughput and memory of the engine on generated incidents: online assignment, full recluster, and the CLI end to
// end. Each run is a separate Node process, so peak RSS belongs to that run alone; medians over several runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assignIncident, recluster } from '../analysis/index.ts';
import { generateIncidents } from './lib/generate-incidents.ts';
import { REPO_ROOT, machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';

type Scenario = 'online' | 'recluster' | 'cli';

interface RunResult {
  /** Seconds of the measured part only (generation excluded). */
  seconds: number;
  /** Null where the work ran in another process (the CLI). */
  peakRssMiB: number | null;
  heapUsedMiB: number | null;
}

const MiB = 2 ** 20;
/** Incidents the online model is fitted on before the timed assignments. */
const ONLINE_WARM_UP = 10_000;

/** One measured run inside this process (called in a child process by `runThroughput`). */
export async function measure(scenario: Scenario, count: number): Promise<RunResult> {
  if (scenario === 'online') {
    const { model } = recluster({ incidents: generateIncidents(ONLINE_WARM_UP, 1) });
    const incidents = generateIncidents(count, 2);
    const started = process.hrtime.bigint();
    for (let i = 0; i < incidents.length; i++) assignIncident(model, incidents[i]!);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, ...memory() };
  }
  if (scenario === 'recluster') {
    const incidents = generateIncidents(count, 3);
    const started = process.hrtime.bigint();
    const result = recluster({ incidents });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.clusters.length === 0) throw new Error('recluster found no clusters');
    return { seconds, ...memory() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'insights-bench-'));
  try {
    const input = join(dir, 'incidents.jsonl');
    const lines = generateIncidents(count, 4).map((i) =>
      JSON.stringify({ id: i.id, title: i.title, service: i.service, source: i.source, created_at: i.createdAt }),
    );
    writeFileSync(input, `${lines.join('\n')}\n`);
    const started = process.hrtime.bigint();
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'cli/insights.mjs'), 'cluster', '--input', input, '--output', join(dir, 'out.jsonl')]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The CLI's own memory is its child's; this process only holds the generated lines.
    return { seconds, peakRssMiB: null, heapUsedMiB: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function memory(): { peakRssMiB: number; heapUsedMiB: number } {
  return { peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB, heapUsedMiB: process.memoryUsage().heapUsed / MiB };
}

async function runInChild(scenario: Scenario, count: number): Promise<RunResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'bench/throughput-run.ts'), scenario, String(count)],
    { cwd: REPO_ROOT, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as RunResult;
}

const PLAN: Array<{ scenario: Scenario; count: number; runs: number; what: string }> = [
  { scenario: 'online', count: 100_000, runs: 5, what: 'online assignment' },
  { scenario: 'online', count: 1_000_000, runs: 3, what: 'online assignment' },
  { scenario: 'recluster', count: 100_000, runs: 5, what: 'full recluster' },
  { scenario: 'recluster', count: 1_000_000, runs: 3, what: 'full recluster' },
  { scenario: 'cli', count: 100_000, runs: 3, what: '`insights cluster` end to end (JSONL in → JSONL out)' },
];

function mebibytes(values: ReadonlyArray<number | null>): string {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? '–' : `${median(known).toFixed(0)} MiB`;
}

const TARGETS: Record<Scenario, string> = {
  online: '≥ 100,000 / s on one core',
  recluster: '1M under 60 s',
  cli: '100k lines in seconds',
};

export async function runThroughput(command: string): Promise<void> {
  const rows: string[][] = [];
  for (const step of PLAN) {
    const results: RunResult[] = [];
    for (let run = 0; run < step.runs; run++) results.push(await runInChild(step.scenario, step.count));
    const seconds = median(results.map((r) => r.seconds));
    const rate = step.count / seconds;
    const row = [
      step.what,
      step.count.toLocaleString('en-US'),
      String(step.runs),
      seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(2)} s`,
      `${Math.round(rate).toLocaleString('en-US')} / s`,
      step.scenario === 'online' ? `${((seconds / step.count) * 1e6).toFixed(2)} µs` : '–',
      mebibytes(results.map((r) => r.peakRssMiB)),
      mebibytes(results.map((r) => r.heapUsedMiB)),
      TARGETS[step.scenario],
    ];
    console.log(row.join(' | '));
    rows.push(row);
  }
  const table = markdownTable(['what', 'incidents', 'runs', 'median time', 'median rate', 'per incident', 'peak RSS', 'heap used at end', 'target'], rows);
  writeSection(
    'throughput',
    `## Clustering throughput and memory

Command: \`${command}\`

${machineLines(machineInfo())}

Incidents come from \`bench/lib/generate-incidents.ts\` (seeded: 26 alert patterns with hosts, pods, IPs, URLs,
percentages and durations, two rewordings, 20 services, 4 sources, 180 days). Every run is a fresh Node process
(\`bench/throughput-run.ts\`) on one thread; times cover the measured step only, not generating the incidents.

- *online assignment*: a model is fitted by a recluster of ${ONLINE_WARM_UP.toLocaleString('en-US')} incidents, then each
  incident is masked, mined into its template and assigned (\`assignIncident\`), one at a time.
- *full recluster*: \`recluster()\` over all incidents (sort by time, mask, mine, merge templates, stable ids,
  feedback, model).
- Peak RSS is the process's maximum resident set (it includes the generated incidents held in memory); heap used is
  measured after the step.

${table}
`,
  );
}
