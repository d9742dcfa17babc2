// Clustering quality and speed beside Drain3, in one run: (a) our incident-title benchmark (tuning, held-out and all
// families) through the real CLI and Drain3 with its defaults; (b) the same on incidents named by the ~950 public
// alert rules of awesome-prometheus-alerts (alert name and summary, written by others); (c) lines/s, peak RSS and
// grouping accuracy of both on the 16 LogHub 2k systems interleaved line by line and repeated (320,000 lines).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INCIDENTS_FILE, LABELS_FILE, ensureIncidentTitles } from './incident-titles/generate.ts';
import { generatePrometheusIncidents } from './prometheus-alerts/generate.ts';
import { familyBreakdown, groupingAccuracy, scoreClustering, type ClusterScores } from './lib/cluster-metrics.ts';
import { parseCsv } from './lib/csv.ts';
import { REPO_ROOT, machineInfo, machineLines, markdownTable, median, writeSection } from './lib/report.ts';

const LOGHUB = join(REPO_ROOT, '../shared/data/loghub-2k');
const CLI = join(REPO_ROOT, 'cli/insights.mjs');
const DRAIN3 = join(REPO_ROOT, 'bench/peers/drain3_cluster.py');
const TIME = '/usr/bin/time';
const RUNS = Number(process.env.BENCH_CLUSTERING_RUNS ?? 5);
const REPEAT = Number(process.env.BENCH_CLUSTERING_REPEAT ?? 10);
const MiB = 2 ** 20;

interface ProcessRun {
  seconds: number;
  /** Peak resident set of the measured process, when it could be read. */
  peakRssMiB: number | null;
  stdout: string;
}

/**
 * Runs a command to completion and measures its wall time (spawn to exit, start-up included) and peak RSS:
 * through `/usr/bin/time -v` when present (its "Maximum resident set size"), else by polling VmHWM in /proc.
 */
async function measured(command: string, args: readonly string[]): Promise<ProcessRun> {
  const viaTime = existsSync(TIME);
  const [file, argv] = viaTime ? [TIME, ['-v', command, ...args]] : [command, [...args]];
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let polledKiB = 0;
  const poll = viaTime
    ? undefined
    : setInterval(() => {
        try {
          const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (match) polledKiB = Math.max(polledKiB, Number(match[1]));
        } catch {
          // The process has exited between two polls.
        }
      }, 20);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll !== undefined) clearInterval(poll);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`);
  const rss = viaTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] : polledKiB > 0 ? String(polledKiB) : undefined;
  return { seconds, peakRssMiB: rss === undefined ? null : (Number(rss) * 1024) / MiB, stdout };
}

const runOurs = (input: string, output: string) => measured(process.execPath, [CLI, 'cluster', '--input', input, '--output', output]);
const runDrain3 = (input: string, output: string) => measured('python3', [DRAIN3, '--input', input, '--output', output]);

interface Drain3Summary {
  lines: number;
  clusters: number;
  mining_seconds: number;
  lines_per_second: number;
}

function drain3Summary(stdout: string): Drain3Summary {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no summary from drain3_cluster.py:\n${stdout}`);
  return JSON.parse(line) as Drain3Summary;
}

/** Cluster id per incident id from a `{"id","cluster_id"}` JSONL file. */
function readAssignments(path: string): Map<string, string> {
  const assignments = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { id: string; cluster_id: string | number };
    assignments.set(record.id, String(record.cluster_id));
  }
  return assignments;
}

function predictedFor(ids: readonly string[], assignments: Map<string, string>, who: string): string[] {
  return ids.map((id) => {
    const cluster = assignments.get(id);
    if (cluster === undefined) throw new Error(`${who} gave no cluster for ${id}`);
    return cluster;
  });
}

const f3 = (x: number) => x.toFixed(3);
const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} / s`;
const mib = (values: ReadonlyArray<number | null>) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? '–' : `${median(known).toFixed(0)} MiB`;
};

interface Labels {
  ids: string[];
  families: string[];
  heldOut: boolean[];
}

function readLabels(): Labels {
  const labels: Labels = { ids: [], families: [], heldOut: [] };
  for (const line of readFileSync(LABELS_FILE, 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { id: string; family: string; held_out: boolean };
    labels.ids.push(record.id);
    labels.families.push(record.family);
    labels.heldOut.push(record.held_out);
  }
  return labels;
}

function scoreRow(subset: string, who: string, s: ClusterScores): string[] {
  return [subset, who, String(s.incidents), String(s.families), String(s.clusters), f3(s.ari), f3(s.vMeasure), f3(s.homogeneity), f3(s.completeness), f3(s.purity), f3(s.ga)];
}

/** The lead's tuning view, printed to the console only: tuning families worst first; held-out families stay anonymous. */
function printTuningBreakdown(labels: Labels, predicted: readonly string[]): void {
  const tuning = new Set(labels.families.filter((_, i) => !labels.heldOut[i]));
  const heldOutFamilies = new Set(labels.families.filter((_, i) => labels.heldOut[i]));
  console.log('\nPer-family breakdown, tuning families, engine (worst first): size | clusters | share in largest | purity of largest | shares clusters with');
  for (const row of familyBreakdown(labels.families, predicted, tuning)) {
    let heldOutIncidents = 0;
    const named: string[] = [];
    for (const other of row.sharedWith) {
      if (heldOutFamilies.has(other.family)) heldOutIncidents += other.incidents;
      else if (named.length < 4) named.push(`${other.family} (${other.incidents})`);
    }
    if (heldOutIncidents > 0) named.push(`held-out incidents (${heldOutIncidents})`);
    console.log(
      `  ${row.family.padEnd(34)} ${String(row.size).padStart(5)} ${String(row.clusters).padStart(5)}   ${f3(row.largestShare)}   ${f3(row.largestClusterPurity)}   ${named.join(', ')}`,
    );
  }
}

/** The 16 LogHub 2k systems interleaved round-robin line by line, repeated with distinct ids, as the CLI's JSONL. */
function writeLoghubStream(path: string): { truth: string[]; ids: string[]; systems: number } {
  const systems = loghubSystems();
  const rows = systems.map((system) => parseCsv(readFileSync(join(LOGHUB, `${system}_2k.log_structured.csv`), 'utf8')));
  const longest = Math.max(...rows.map((r) => r.length));
  const lines: string[] = [];
  const truth: string[] = [];
  const ids: string[] = [];
  for (let pass = 0; pass < REPEAT; pass++) {
    for (let i = 0; i < longest; i++) {
      rows.forEach((systemRows, s) => {
        const row = systemRows[i];
        if (row === undefined) return;
        // No created_at: the engine then orders by id, and zero-padded ids keep the file order.
        const id = String(ids.length + 1).padStart(7, '0');
        ids.push(id);
        truth.push(`${systems[s]}:${row.EventId}`);
        lines.push(JSON.stringify({ id, title: row.Content }));
      });
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { truth, ids, systems: systems.length };
}

function loghubSystems(): string[] {
  return [
    'Android', 'Apache', 'BGL', 'HDFS', 'HPC', 'Hadoop', 'HealthApp', 'Linux', 'Mac', 'OpenSSH', 'OpenStack', 'Proxifier', 'Spark',
    'Thunderbird', 'Windows', 'Zookeeper',
  ].filter((system) => existsSync(join(LOGHUB, `${system}_2k.log_structured.csv`)));
}

/** The engine's commit, and whether the engine's files differ from it (benchmarks run while it is being tuned). */
async function engineVersion(): Promise<string> {
  const { stdout: commit } = await measured('git', ['rev-parse', '--short', 'HEAD']);
  const { stdout: changes } = await measured('git', ['status', '--porcelain', '--', 'analysis', 'scripts/insights.ts', 'cli']);
  return `engine at commit ${commit.trim()}${changes.trim() === '' ? '' : ' with uncommitted changes in analysis/ (the tree the lead is tuning)'}`;
}

async function versions(): Promise<string> {
  const { stdout } = await measured('python3', ['-c', 'import sys, importlib.metadata as m; print(sys.version.split()[0], m.version("drain3"))']);
  const [python, drain3] = stdout.trim().split(/\s+/);
  return `Python ${python}, drain3 ${drain3}`;
}

export async function runClustering(command: string): Promise<void> {
  ensureIncidentTitles();
  const dir = mkdtempSync(join(tmpdir(), 'insights-clustering-'));
  try {
    // ------------------------------------------------------------ (a) incident titles
    const labels = readLabels();
    const oursOut = join(dir, 'titles-ours.jsonl');
    const drainOut = join(dir, 'titles-drain3.jsonl');
    const oursTitles = await runOurs(INCIDENTS_FILE, oursOut);
    const drainTitles = await runDrain3(INCIDENTS_FILE, drainOut);
    console.log(`incident titles: insights cluster ${oursTitles.seconds.toFixed(2)} s, Drain3 ${drainTitles.seconds.toFixed(2)} s (whole processes)`);
    const ours = predictedFor(labels.ids, readAssignments(oursOut), 'insights cluster');
    const drain = predictedFor(labels.ids, readAssignments(drainOut), 'Drain3');
    const tuningMask = labels.heldOut.map((h) => !h);
    const subsets: Array<[string, boolean[] | undefined]> = [
      ['tuning', tuningMask],
      ['held-out', labels.heldOut],
      ['all', undefined],
    ];
    const qualityRows: string[][] = [];
    for (const [subset, mask] of subsets) {
      qualityRows.push(scoreRow(subset, '**insights (defaults)**', scoreClustering(labels.families, ours, mask)));
      qualityRows.push(scoreRow(subset, 'Drain3 (defaults)', scoreClustering(labels.families, drain, mask)));
    }
    const qualityTable = markdownTable(['families', 'engine', 'incidents', 'true families', 'clusters', 'ARI', 'V-measure', 'homogeneity', 'completeness', 'purity', 'family GA'], qualityRows);
    console.log(qualityTable);
    printTuningBreakdown(labels, ours);
    const familyCount = (held: boolean) => new Set(labels.families.filter((_, i) => labels.heldOut[i] === held)).size;

    // ------------------------------------------------------------ (b) Prometheus alert rules
    const prometheus = generatePrometheusIncidents();
    const prometheusFile = join(dir, 'prometheus.jsonl');
    writeFileSync(prometheusFile, prometheus.incidents);
    const oursPrometheusOut = join(dir, 'prometheus-ours.jsonl');
    const drainPrometheusOut = join(dir, 'prometheus-drain3.jsonl');
    await runOurs(prometheusFile, oursPrometheusOut);
    await runDrain3(prometheusFile, drainPrometheusOut);
    const prometheusRows = [
      scoreRow('rules', '**insights (defaults)**', scoreClustering(prometheus.rules, predictedFor(prometheus.ids, readAssignments(oursPrometheusOut), 'insights cluster'))),
      scoreRow('rules', 'Drain3 (defaults)', scoreClustering(prometheus.rules, predictedFor(prometheus.ids, readAssignments(drainPrometheusOut), 'Drain3'))),
    ];
    const prometheusTable = markdownTable(['families', 'engine', 'incidents', 'true families', 'clusters', 'ARI', 'V-measure', 'homogeneity', 'completeness', 'purity', 'family GA'], prometheusRows);
    console.log(`\n${prometheusTable}`);

    // ------------------------------------------------------------ (c) LogHub stream speed
    const streamFile = join(dir, 'loghub-stream.jsonl');
    const stream = writeLoghubStream(streamFile);
    const lines = stream.ids.length;
    const oursRuns: ProcessRun[] = [];
    const drainRuns: ProcessRun[] = [];
    const drainMining: Drain3Summary[] = [];
    let oursGa = 0;
    let drainGa = 0;
    let oursClusters = 0;
    let drainClusters = 0;
    for (let run = 0; run < RUNS; run++) {
      // Alternating keeps a slow patch of the machine from landing on one side only.
      const oursOutput = join(dir, `stream-ours-${run}.jsonl`);
      oursRuns.push(await runOurs(streamFile, oursOutput));
      const drainOutput = join(dir, `stream-drain3-${run}.jsonl`);
      const drainRun = await runDrain3(streamFile, drainOutput);
      drainRuns.push(drainRun);
      drainMining.push(drain3Summary(drainRun.stdout));
      console.log(
        `stream run ${run + 1}/${RUNS}: insights ${oursRuns[run]!.seconds.toFixed(2)} s, Drain3 ${drainRun.seconds.toFixed(2)} s (mining ${drainMining[run]!.mining_seconds.toFixed(2)} s)`,
      );
      if (run === 0) {
        const oursPredicted = predictedFor(stream.ids, readAssignments(oursOutput), 'insights cluster');
        const drainPredicted = predictedFor(stream.ids, readAssignments(drainOutput), 'Drain3');
        oursGa = groupingAccuracy(stream.truth, oursPredicted);
        drainGa = groupingAccuracy(stream.truth, drainPredicted);
        oursClusters = new Set(oursPredicted).size;
        drainClusters = new Set(drainPredicted).size;
      }
      rmSync(oursOutput, { force: true });
      rmSync(drainOutput, { force: true });
    }
    const oursSeconds = median(oursRuns.map((r) => r.seconds));
    const drainSeconds = median(drainRuns.map((r) => r.seconds));
    const drainMiningSeconds = median(drainMining.map((s) => s.mining_seconds));
    const truthGroups = new Set(stream.truth).size;
    const speedRows = [
      [
        '**insights cluster** (defaults)',
        `${oursSeconds.toFixed(2)} s`,
        rate(lines / oursSeconds),
        '–',
        mib(oursRuns.map((r) => r.peakRssMiB)),
        f3(oursGa),
        `${oursClusters} / ${truthGroups}`,
      ],
      [
        'Drain3 (defaults)',
        `${drainSeconds.toFixed(2)} s`,
        rate(lines / drainSeconds),
        `${rate(lines / drainMiningSeconds)} (${drainMiningSeconds.toFixed(2)} s)`,
        mib(drainRuns.map((r) => r.peakRssMiB)),
        f3(drainGa),
        `${drainClusters} / ${truthGroups}`,
      ],
    ];
    const speedTable = markdownTable(['engine', 'whole process (median)', 'lines/s, whole process', 'lines/s, mining loop only', 'peak RSS (median)', 'GA on the stream', 'clusters / true groups'], speedRows);
    const ratioWhole = oursSeconds === 0 ? 0 : drainSeconds / oursSeconds;
    const ratioMining = drainMiningSeconds / oursSeconds;
    // Each run of ours is followed by one of Drain3: the ratio within a pair sees the same moment of a shared machine.
    const paired = (drain: (run: number) => number) => {
      const values = oursRuns.map((r, run) => drain(run) / r.seconds);
      return `${median(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
    };
    const ratios = `Ours / Drain3, lines/s: **${ratioWhole.toFixed(2)}×** whole process against whole process; ${ratioMining.toFixed(2)}× our whole process against Drain3's mining loop alone. GA ours / Drain3: ${drainGa === 0 ? '–' : (oursGa / drainGa).toFixed(2)}. Run by run (each of ours beside the Drain3 run after it), median and range: ${paired((run) => drainRuns[run]!.seconds)} whole process, ${paired((run) => drainMining[run]!.mining_seconds)} against the mining loop.`;
    console.log(`\n${speedTable}\n\n${ratios}`);

    const defaultKnobs = RUNS === 5 && REPEAT === 10;
    if (!defaultKnobs) {
      console.log('\nBENCH_CLUSTERING_RUNS / BENCH_CLUSTERING_REPEAT changed: docs/benchmarks.md left as it is.');
      return;
    }
    const machine = machineInfo();
    const peer = await versions();
    const engine = await engineVersion();
    writeSection(
      'clustering',
      `## Incident-title clustering beside Drain3

Command: \`${command}\`

${machineLines(machine)}
- ${engine}
- ${peer}; peak RSS read from \`/usr/bin/time -v\` ("Maximum resident set size") around each process

### Incident titles (our benchmark)

\`bench/data/incident-titles.jsonl\`: ${labels.ids.length.toLocaleString('en-US')} incidents over 90 days from ${familyCount(false)} tuning and ${familyCount(true)} held-out
problem families, each titled as 3–5 tools title it (Alertmanager, Grafana, Datadog, CloudWatch, PagerDuty and Opsgenie
integrations, people), with hard negatives (disk space / inodes / disk I/O, 5xx / latency, crash loop / not ready / image
pull...), written by \`bench/incident-titles/generate.ts\` (seeded; see \`bench/incident-titles/README.md\`). Both engines
read the same file: ours through the CLI (\`insights cluster\`, a new account's defaults, which orders by \`created_at\`),
Drain3's \`TemplateMiner()\` with no configuration file (\`bench/peers/drain3_cluster.py\`: similarity 0.4, depth 4,
no masking; file order, which is the same time order). Every incident is clustered together; the rows score subsets. *held-out* families were never looked
at while tuning. ARI, V-measure (β = 1), homogeneity, completeness and purity are scikit-learn's definitions on the
subset's incidents; family GA is LogPAI's grouping accuracy with families as groups, strict across subsets (a held-out
incident in a cluster with any other family is wrong): it stays 0 until an engine gathers every phrasing of a family,
and nothing else, into one cluster.

${qualityTable}

### Public alert rules (awesome-prometheus-alerts)

\`bench/data/prometheus-alert-rules.json\`: the ${prometheus.ruleCount} alert rules (alert name and summary annotation) of the ${new Set(prometheus.rules.map((r) => r.split('#')[0])).size}
exporter files in [samber/awesome-prometheus-alerts](https://github.com/samber/awesome-prometheus-alerts) \`dist/rules\`
(CC BY 4.0; \`bench/prometheus-alerts/README.md\`), a set written by others. It is not held out: it showed the engine
merging every alert name of one shape into one cluster, and the fixes (the miner's first token, product names in a
slot, 4xx/5xx) were checked on it, against LogHub and the tuning titles staying where they were. Each rule
fires ${prometheus.ids.length / prometheus.ruleCount} times, on random instances, titled half the time as Alertmanager's subject (\`[FIRING:1] HostOutOfMemory (10.2.3.4:9100
host-and-hardware warning)\`) and half as its summary, as an Opsgenie or PagerDuty receiver using the annotation titles it
(\`Host out of memory (instance 10.2.3.4:9100)\`); ${prometheus.ids.length.toLocaleString('en-US')} incidents interleaved a minute apart. A rule is a family: the
two names of one rule belong together, and rules stay apart, also the many alike ("… down", "… high memory usage" of a
hundred exporters, which a real account rarely holds all at once; a merge of those counts as wrong here).

${prometheusTable}

### Speed on LogHub 2k, interleaved

The \`Content\` of the ${stream.systems} \`*_2k.log_structured.csv\` files in \`../shared/data/loghub-2k/\`, interleaved
round-robin line by line and repeated ×${REPEAT} with distinct ids (${lines.toLocaleString('en-US')} lines, no \`created_at\`, so file order is
processing order), written as the CLI's JSONL. Each engine runs as a fresh process, JSONL in → JSONL out, timed from
spawn to exit (Node or Python start-up included); ${RUNS} runs each, alternating ours and Drain3, medians. Drain3's
mining-loop rate is its own \`time.perf_counter()\` around \`add_log_message\`. GA is over all ${lines.toLocaleString('en-US')} lines with
system + \`EventId\` as ground truth.

${speedTable}

${ratios}
`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
