// What schedules and event rules are checked for before they are saved: a runbook and target of this account, cron
// expressions as Temporal reads them, an IANA time zone. Each refusal is a 400 naming the field.
import { withPolicy } from '../analysis/runbooks/automation-policy.ts';
import { loadRunInputs } from '../db/automation-triggers.ts';
import type { TransactionSql } from '../db/sql.ts';
import { AppError } from './errors.ts';

export const invalidField = (field: string, message: string) => new AppError(400, 'invalid_body', message, [{ field, in: 'body', message: `body.${field} ${message}` }]);

/** The runbook (and version) and target exist in this account: a 400 naming the field otherwise. */
export async function checkRunRefs(tx: TransactionSql, accountId: string, p: { runbookId: string; version: number | null; targetId: string }) {
  const loaded = await loadRunInputs(tx, accountId, p);
  const plan = loaded.ok ? withPolicy(loaded) : loaded;
  if (!plan.ok) {
    const field = plan.reason.includes('target') ? 'targetId' : plan.reason.includes('version') ? 'runbookVersion' : 'runbookId';
    throw invalidField(field, plan.reason.replace(/^the /, 'names a ').replace(' was deleted', ' that does not exist'));
  }
  return plan;
}

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const CRON_FIELDS: [string, number, number, Record<string, number>?][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12, Object.fromEntries(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i + 1]))],
  ['day of week', 0, 7, Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]))],
];

/** Why a cron expression is not one Temporal reads as we document it (5 fields, or a macro), or null. */
export function cronProblem(expression: string): string | null {
  const text = expression.trim().toLowerCase();
  if (CRON_MACROS.has(text)) return null;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `“${expression}” has ${fields.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)`;
  for (const [i, field] of fields.entries()) {
    const [name, min, max, names] = CRON_FIELDS[i]!;
    const value = (v: string) => (names && v in names ? names[v]! : /^\d+$/.test(v) ? Number(v) : NaN);
    for (const part of field.split(',')) {
      const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) return `“${expression}”: the ${name} field “${field}” is not valid`;
      if (m[2] !== undefined && Number(m[2]) < 1) return `“${expression}”: a step in the ${name} field must be at least 1`;
      if (m[1] === '*') continue;
      const [from, to] = m[1]!.split('-').map(value);
      if ([from, to ?? from].some((v) => Number.isNaN(v) || v! < min || v! > max)) return `“${expression}”: the ${name} field allows ${min}–${max}`;
      if (to !== undefined && to < from!) return `“${expression}”: the range in the ${name} field runs backwards`;
    }
  }
  return null;
}

export function checkCron(cron: readonly string[] | undefined): void {
  for (const expression of cron ?? []) {
    const problem = cronProblem(expression);
    if (problem) throw invalidField('cron', problem);
  }
}

export function checkTimeZone(timeZone: string | undefined): void {
  if (timeZone === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw invalidField('timeZone', `“${timeZone}” is not an IANA time zone`);
  }
}
