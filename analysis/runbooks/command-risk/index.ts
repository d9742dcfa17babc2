// Rule-based risk of a runbook command, so a destructive step is recognised by its text and never only by a model's word.
//
// Decisions worth knowing:
// - Every part of a command line counts (pipelines, `&&`, `;`, subshells, `$(...)`, `bash -c`, `kubectl exec -- ...`,
//   `ssh host cmd`, `xargs cmd`, SQL given to `psql -c`); the most severe part wins and its reasons are reported.
// - Unknown programs are `mutating`: a rule set cannot prove an unknown program harmless.
// - `destructive` means data or capacity is lost until someone acts: deletions, wipes, force pushes, kills with
//   SIGKILL, reboots, scaling to zero, and `systemctl stop|mask|kill` (the service stays down). `systemctl disable`
//   only affects the next boot, so it is `mutating` unless `--now` also stops the service.
// - SQL: DROP, TRUNCATE and DELETE or UPDATE without a WHERE clause (or with `WHERE true`/`WHERE 1=1`) are
//   destructive; other writes (INSERT, UPDATE, DELETE with WHERE, ALTER, CREATE, GRANT, ...) are mutating;
//   SELECT, SHOW and EXPLAIN without ANALYZE are read-only (EXPLAIN ANALYZE runs the statement).
// - Deleting anything through an API (aws delete-*, HTTP DELETE, gcloud/az delete) is destructive.
// - Redirecting output into a file (`> out.yaml`, `>> /etc/x`) is mutating: it changes the machine, even if only a
//   scratch file; `/dev/null` and file descriptors do not count, and writing to a block device is destructive.
//
// The rooms: lexer.ts reads a command line as the shell would; shell.ts walks its parts; rules.ts sends each program
// to its family's rules (unix, services, http, git, kubernetes, containers, cloud, datastores, sql), all written with
// the vocabulary of rule.ts.
import type { StepRisk, TargetType } from '../runbook-types.ts';
import { classifyHttpMethod, HTTP_METHODS } from './http.ts';
import { maxRisk, type CommandRisk } from './rule.ts';
import { KNOWN_PROGRAMS } from './rules.ts';
import { classifyShell } from './shell.ts';
import { classifySql, SQL_CLIENTS, SQL_LEADS } from './sql.ts';

export { classifySql, maxRisk, type CommandRisk };

/** The higher of the risk a model claimed and the risk the rules find: a model may raise a risk, never lower it. */
export function escalate(modelRisk: StepRisk, command: string, targetType?: TargetType): StepRisk {
  return maxRisk(modelRisk, classifyCommand(command, targetType).risk);
}

export function classifyCommand(command: string, targetType?: TargetType): CommandRisk {
  const text = command.trim();
  if (text === '') return { risk: 'read-only', reasons: ['empty command does nothing'] };
  const first = (text.split(/\s+/, 1)[0] ?? '').toLowerCase();
  if (targetType === 'sql' && !SQL_CLIENTS.has(first)) return classifySql(text);
  if (targetType === 'http' && HTTP_METHODS.has(first.toUpperCase())) return classifyHttpMethod(first.toUpperCase(), 'HTTP');
  if (targetType === 'kubectl' && first !== 'kubectl' && !first.includes('=')) return classifyShell(`kubectl ${text}`, 0);
  if (targetType === 'aws' && first !== 'aws' && !first.includes('=')) return classifyShell(`aws ${text}`, 0);
  if (targetType === 'systemctl' && first !== 'systemctl' && first !== 'sudo') return classifyShell(`systemctl ${text}`, 0);
  if (SQL_LEADS.has(first.toUpperCase()) && !KNOWN_PROGRAMS.has(first)) return classifySql(text);
  return classifyShell(text, 0);
}
