// Drill: property-based fuzzing of every operation in the API's OpenAPI document with schemathesis, authenticated as
// an account owner: no 5xx, and every 4xx in the common error format. `npm run drill:fuzz` (needs `pip install
// schemathesis`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  drillApi,
  drillEnv,
  drillLogDir,
  drillWorker,
  log,
  machineLine,
  markdownTable,
  runDrill,
  signUpOwner,
  startDrillPostgres,
  startDrillTemporal,
  writeReliabilitySection,
  type DrillOwner,
} from './lib.ts';

const NAME = 'fuzz';
const MAX_EXAMPLES = Number(process.env.DRILL_FUZZ_EXAMPLES ?? 25);
const SEED = Number(process.env.DRILL_FUZZ_SEED ?? 20261126);
/**
 * Signing out ends the session the token belongs to, and deleting the account (or renaming it, which the deletion's
 * confirmation repeats) ends the account: these run last, with a session and an account of their own.
 */
const LAST = ['/api/auth/signout', '/api/account'];

interface Failure {
  operation: string;
  check: string;
  status: number | undefined;
  message: string;
}

function schemathesisCli(): string | undefined {
  for (const cli of ['st', 'schemathesis']) {
    const found = spawnSync(cli, ['--version'], { encoding: 'utf8' });
    if (found.status === 0) return cli;
  }
  return undefined;
}

runDrill(NAME, async (cleanup) => {
  const cli = schemathesisCli();
  if (!cli) throw new Error('schemathesis is not installed: pip install schemathesis');
  const version = spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const logDir = drillLogDir(NAME);
  log(`logs in ${logDir}; ${version}`);
  const postgres = await startDrillPostgres(cleanup);
  const db = await postgres.createDatabase();
  const temporal = await startDrillTemporal(cleanup, { logDir });
  // Long-lived access tokens: a run takes minutes. Custom vendor URLs are off, as in production.
  const env = drillEnv({ databaseUrl: db.url, temporalAddress: temporal.address, extra: { ACCESS_TOKEN_TTL_SECONDS: '7200', ALLOW_CUSTOM_VENDOR_URLS: 'false', LOG_LEVEL: 'error' } });
  const worker = await drillWorker(cleanup, { env, logDir });
  const api = await drillApi(cleanup, { env, logDir });
  await worker.start();
  await api.start();
  log(`PostgreSQL :${postgres.port}, Temporal ${temporal.address}, worker ${worker.url}, API ${api.url}`);

  const owner = await signUpOwner(api.url, db.url, 'Fuzz team');
  await seedFixtures(owner);
  const schemaRes = await fetch(`${api.url}/docs/json`);
  if (!schemaRes.ok) throw new Error(`GET /docs/json answered ${schemaRes.status}`);
  const schema = (await schemaRes.json()) as { paths: Record<string, Record<string, unknown>> };
  const schemaFile = join(logDir, 'openapi.json');
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch']);
  const operations = Object.entries(schema.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => methods.has(m)).map((m) => `${m.toUpperCase()} ${path}`));
  log(`${operations.length} operations in the OpenAPI document`);

  const runs: { label: string; args: string[]; token: string }[] = [
    { label: `everything but ${LAST.join(' and ')}`, args: LAST.flatMap((path) => ['--exclude-path', path]), token: owner.token },
    { label: LAST.join(' and '), args: LAST.flatMap((path) => ['--include-path', path]), token: (await signUpOwner(api.url, db.url, 'Fuzz last')).token },
  ];
  const failures: Failure[] = [];
  const tested = new Map<string, number>();
  const started = Date.now();
  const exitCodes: number[] = [];
  for (const [i, run] of runs.entries()) {
    const reportDir = join(logDir, `schemathesis-${i + 1}`);
    const args = [
      'run',
      schemaFile,
      '--url', api.url,
      '-H', `Authorization: Bearer ${run.token}`,
      '--checks', 'not_a_server_error,error_format',
      '--phases', 'examples,coverage,fuzzing',
      '--max-examples', String(MAX_EXAMPLES),
      '--seed', String(SEED),
      '--workers', '2',
      '--request-timeout', '30',
      '--generation-database', 'none',
      '--suppress-health-check', 'all',
      '--continue-on-failure',
      '--no-shrink',
      '--report', 'ndjson,junit',
      '--report-dir', reportDir,
      '--output-truncate', 'true',
      '--no-color',
      ...run.args,
    ];
    log(`schemathesis (${run.label}): ${cli} ${args.map((a) => (a.startsWith('Authorization') ? 'Authorization: Bearer ***' : a)).join(' ')}`);
    const result = spawnSync(cli, args, {
      // Its cache folder (.schemathesis) lands among the drill's logs, not in the repository.
      cwd: logDir,
      encoding: 'utf8',
      env: { ...process.env, SCHEMATHESIS_HOOKS: 'fuzz_hooks', PYTHONPATH: join(ROOT, 'scripts', 'drills'), NO_COLOR: '1' },
      maxBuffer: 256 * 1024 * 1024,
    });
    writeFileSync(join(logDir, `schemathesis-${i + 1}.out`), `${result.stdout}\n${result.stderr}`);
    // Killed (Ctrl-C, a timeout): no numbers worth writing down.
    if (result.signal || result.error) throw new Error(`schemathesis did not finish: ${result.signal ?? result.error?.message}`);
    exitCodes.push(result.status ?? -1);
    log(`schemathesis (${run.label}) exited ${result.status}; last lines:\n${result.stdout.trimEnd().split('\n').slice(-12).join('\n')}`);
    readNdjson(reportDir, failures, tested);
  }
  const seconds = (Date.now() - started) / 1000;

  // Unique failures: one per operation, check and status.
  const unique = new Map<string, Failure>();
  for (const f of failures) unique.set(`${f.operation}|${f.check}|${f.status}`, f);
  // The drill has no internet and custom vendor URLs are off: verifying a well-formed key asks the real vendor, which
  // cannot be reached, and 502 tool_unavailable is the designed answer to that, not a fault of the API.
  const expected = [...unique.values()].filter((f) => f.operation === 'POST /api/integrations/verify' && f.status === 502);
  for (const f of expected) unique.delete(`${f.operation}|${f.check}|${f.status}`);
  const serverErrors = [...unique.values()].filter((f) => f.check === 'not_a_server_error');
  const formatErrors = [...unique.values()].filter((f) => f.check === 'error_format');
  const untested = operations.filter((op) => !tested.has(op));
  const cases = [...tested.values()].reduce((a, b) => a + b, 0);
  const crashed = exitCodes.some((c) => c !== 0 && c !== 1);
  const passed = unique.size === 0 && !crashed && untested.length === 0;
  for (const f of unique.values()) log(`FAIL ${f.operation} [${f.check}] ${f.status ?? ''}: ${f.message.split('\n')[0]}`);
  if (untested.length) log(`untested operations: ${untested.join(', ')}`);

  const numbers: [string, string | number][] = [
    ['operations in the OpenAPI document', operations.length],
    ['operations exercised', tested.size],
    ['test cases (requests, with the coverage phase’s)', cases],
    ['max examples per operation and phase', MAX_EXAMPLES],
    ['seed', SEED],
    ['5xx answers (unique operation and status)', serverErrors.length],
    ['502 from POST /api/integrations/verify (the vendor unreachable from the drill: expected)', expected.length],
    ['4xx not in the common error format (unique)', formatErrors.length],
    ['duration', `${seconds.toFixed(0)} s`],
  ];
  for (const [k, v] of numbers) log(`${k}: ${v}`);
  const failureRows = [...unique.values()].map((f) => [`\`${f.operation}\``, f.check, f.status ?? '–', f.message.split('\n')[0]!.replace(/\|/g, '\\|').slice(0, 160)]);

  writeSection(passed, numbers, failureRows, untested, version);
  return passed;
});

/** A few things the account owns, so list routes answer with rows and not only empty pages. */
async function seedFixtures(owner: DrillOwner): Promise<void> {
  const results = await Promise.all([
    owner.call('POST', '/api/runbooks', { title: 'Restart checkout', steps: [{ title: 'Status', command: 'systemctl status checkout', targetType: 'systemctl', explanation: 'Is it up?', risk: 'read-only' }] }),
    owner.call('POST', '/api/integrations', { kind: 'alertmanager', name: 'Fuzz Alertmanager' }),
    owner.call('POST', '/api/jobs/echo', { message: 'fuzz', steps: 1, stepMs: 0 }),
  ]);
  for (const r of results) if (r.status >= 300) log(`seeding a fixture answered ${r.status}: ${r.text.slice(0, 200)}`);
}

/** Reads schemathesis' NDJSON event stream: which operations ran how many cases, and every failed check. */
function readNdjson(reportDir: string, failures: Failure[], tested: Map<string, number>): void {
  const file = ['events.ndjson', 'report.ndjson'].map((f) => join(reportDir, f)).find(existsSync) ?? findFile(reportDir, '.ndjson');
  if (!file) {
    log(`no NDJSON report in ${reportDir}`);
    return;
  }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    collect(event, failures, tested);
  }
}

function findFile(dir: string, suffix: string): string | undefined {
  const found = spawnSync('find', [dir, '-name', `*${suffix}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  return found[0];
}

/** Walks one event for scenario results (label + recorder); tolerant of the report's exact nesting. */
function collect(event: unknown, failures: Failure[], tested: Map<string, number>): void {
  if (!event || typeof event !== 'object') return;
  const e = event as Record<string, unknown>;
  const recorder = e.recorder as { label?: string; cases?: Record<string, unknown>; checks?: Record<string, Array<Record<string, unknown>>>; interactions?: Record<string, { response?: { status_code?: number } }> } | undefined;
  if (recorder?.label && recorder.cases) {
    const operation = recorder.label;
    tested.set(operation, (tested.get(operation) ?? 0) + Object.keys(recorder.cases).length);
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status !== 'FAILURE' && check.status !== 'failure') continue;
        const failure = check.failure_info as { failure?: { title?: string; message?: string } } | undefined;
        const status = recorder.interactions?.[caseId]?.response?.status_code;
        failures.push({ operation, check: String(check.name), status, message: `${failure?.failure?.title ?? ''} ${failure?.failure?.message ?? ''}`.trim() });
      }
    }
    return;
  }
  for (const value of Object.values(e)) if (value && typeof value === 'object') collect(value, failures, tested);
}

function writeSection(passed: boolean, numbers: [string, string | number][], failureRows: (string | number)[][], untested: string[], version: string): void {
  writeReliabilitySection(
    NAME,
    `## Fuzzing every API operation (\`npm run drill:fuzz\`)

**What it does.** The API and a worker run as separate processes on a throwaway PostgreSQL cluster and the Temporal
dev server (custom vendor URLs off, as in production). The drill signs an owner up, creates a runbook, an integration
and a job, and runs [schemathesis](https://schemathesis.readthedocs.io) (${version}) over every operation of the API's
own OpenAPI document (\`/docs/json\`), authenticated with the owner's bearer token: its examples, coverage and fuzzing
phases, valid and invalid inputs (mode \`all\`), ${MAX_EXAMPLES} examples per operation and phase, seed ${SEED}.
\`POST /api/auth/signout\` ends the session its token belongs to and \`DELETE /api/account\` the account (after a
\`PATCH /api/account\` rename it could match): the operations on ${LAST.map((p) => `\`${p}\``).join(' and ')} run last,
with a session and an account of their own.

**What is checked.** \`not_a_server_error\`: no answer is a 5xx. \`error_format\` (scripts/drills/fuzz_hooks.py):
every 4xx and 5xx is JSON of the common shape \`{"error": {"code", "message", "details"?: [{field?, in?, message}],
"requestId"?}}\` and nothing else.

**Outcome: ${passed ? 'passed' : 'FAILED'}.**${failureRows.length ? ' Failures found (unique by operation, check and status):' : ' No 5xx and no 4xx outside the common error format.'}

${failureRows.length ? `${markdownTable(['Operation', 'Check', 'Status', 'What schemathesis saw'], failureRows)}\n\n` : ''}${untested.length ? `Operations not exercised: ${untested.map((o) => `\`${o}\``).join(', ')}.\n\n` : ''}${markdownTable(['Measure', 'Value'], numbers)}

The full output and the reports (NDJSON, JUnit) of the last run are in \`test-results/drills/${NAME}/\`; a failure
reproduces with the same seed.

- Machine: ${machineLine()}; run ${new Date().toISOString()}`,
  );
}
