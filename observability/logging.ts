// Structured, redacted logs: the worker's JSON lines (Temporal's Runtime logger, which activities' Context.log and
// workflow loggers also go through) and the pieces the API's pino logger uses to keep secrets out.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { createRedactor, redactDeep } from '../analysis/redaction.ts';

const redactor = createRedactor();

/** Text with credentials (tokens, keys, passwords in URLs or assignments) replaced by placeholders. */
export function redactText(text: string): string {
  return redactor(text).text;
}

/** A JSON-ready copy of a value with every string redacted and credential-named fields replaced. */
export function redactValue<T>(value: T): T {
  return redactDeep(value, redactor);
}

/** An error as a log field: type, message and stack, redacted (a message can quote a connection string or a key). */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactText(String(err)) };
  const out: Record<string, unknown> = { type: err.name, message: redactText(err.message) };
  if (err.stack) out.stack = redactText(err.stack);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}

/** Meta values made JSON-safe: errors serialized, bigints as strings, then everything redacted. */
function plainMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    out[key] = value instanceof Error ? serializeError(value) : typeof value === 'bigint' ? value.toString() : value;
  }
  return redactValue(out);
}

/** One log entry as the JSON line the worker writes: time, level, message, then the SDK's attributes. */
export function formatLogEntry(entry: LogEntry, service: string): string {
  // The SDK's attributes name the work: workflowId, runId, workflowType, activityType, activityId, taskQueue, attempt.
  // An activity's task token completes the activity for whoever holds it: a credential, not a log field.
  const { taskToken: _taskToken, ...rest } = entry.meta ?? {};
  const meta = plainMeta(rest);
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), service, msg: redactText(entry.message), ...meta });
}

/** Temporal's Runtime logger writing redacted JSON lines to stderr (or `write`, for tests). */
export function createWorkerLogger(level: LogLevel, options: { service?: string; write?: (line: string) => void } = {}): DefaultLogger {
  const service = options.service ?? 'incident-insights-worker';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new DefaultLogger(level, (entry) => write(formatLogEntry(entry, service)));
}
