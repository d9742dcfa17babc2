// `npx insights cluster`: runs the clustering engine with a new account's defaults on a JSONL file, no database and
// no Temporal needed. Output is all or nothing: a temporary file beside the target, renamed when complete.
import { open, rename, rm } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { pathToFileURL } from 'node:url';
import type { ClusterIncident, IncidentAssignment } from '../analysis/clustering/cluster-model.ts';
import { DuplicateIncidentError, recluster } from '../analysis/clustering/recluster.ts';

const USAGE = `Usage: insights cluster --input FILE.jsonl [--output FILE.jsonl]

Clusters incidents into recurring patterns with the defaults of a new account.

  --input FILE    JSON Lines, one incident per line:
                  {"id": "...", "title": "...", "description"?: "...", "service"?: "...",
                   "source"?: "...", "created_at"?: "ISO-8601"}
  --output FILE   where to write {"id", "cluster_id", "template"} lines (default: standard output);
                  written to a temporary file in the same directory and renamed when complete
  -h, --help      show this help

Exit status: 0 on success, 1 when the input is invalid (the message names the line), 2 on a usage error.
`;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A problem with the input file, reported with its line number; nothing is written. */
export class InputLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
    this.name = 'InputLineError';
  }
}

class UsageError extends Error {}

interface CliOptions {
  input: string;
  output?: string;
}

function parseArguments(argv: readonly string[]): CliOptions | 'help' {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return 'help';
  const [command, ...rest] = argv;
  if (command !== 'cluster') throw new UsageError(`unknown command "${command}"`);
  const options: Partial<CliOptions> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== '--input' && flag !== '--output') throw new UsageError(`unknown option "${arg}"`);
    const value = inline ?? rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a file name`);
    options[flag === '--input' ? 'input' : 'output'] = value;
  }
  if (options.input === undefined) throw new UsageError('--input is required');
  return options as CliOptions;
}

const OPTIONAL_TEXT_FIELDS = ['description', 'service', 'source'] as const;

/** One input line as an incident; throws `InputLineError` naming the line for anything malformed. */
export function parseIncidentLine(text: string, line: number): ClusterIncident {
  let value: unknown = flatStringObject(text);
  if (value !== undefined && flatPairs === 2) {
    // `{"id": "…", "title": "…"}`, the usual line: that object is the incident.
    const record = value as Record<string, string | null>;
    if (typeof record.id === 'string' && record.id !== '' && typeof record.title === 'string') {
      return record as unknown as ClusterIncident;
    }
  }
  if (value === undefined) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputLineError(line, `not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputLineError(line, 'expected a JSON object');
  const record = value as Record<string, unknown>;
  const id = record.id;
  if (typeof id === 'number' && Number.isFinite(id)) record.id = String(id);
  else if (typeof id !== 'string' || id === '') throw new InputLineError(line, '"id" must be a non-empty string');
  if (typeof record.title !== 'string') throw new InputLineError(line, '"title" must be a string');
  const incident: ClusterIncident = { id: record.id as string, title: record.title };
  for (const field of OPTIONAL_TEXT_FIELDS) {
    const v = record[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new InputLineError(line, `"${field}" must be a string when present`);
    incident[field] = v;
  }
  const createdAt = record.created_at;
  if (createdAt !== undefined && createdAt !== null) {
    if (typeof createdAt !== 'string' || !ISO_8601.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
      throw new InputLineError(line, '"created_at" must be an ISO-8601 date-time such as 2025-06-01T12:00:00Z');
    }
    incident.createdAt = createdAt;
  }
  return incident;
}

/** Key-value pairs the last `flatStringObject` read (duplicates included). */
let flatPairs = 0;
// Escapes and control characters (tabs and line ends included) leave a line to JSON.parse.
const ESCAPE_OR_CONTROL = /[\x00-\x1f\\]/;

/**
 * The common line, `{"id": "…", "title": "…", …}` with only string or null values and no escapes, as JSON.parse reads
 * it (later duplicate keys win), about twice as fast; undefined for anything else, which JSON.parse then reads (and
 * reports).
 */
function flatStringObject(text: string): Record<string, string | null> | undefined {
  flatPairs = 0;
  if (ESCAPE_OR_CONTROL.test(text)) return undefined;
  const end = text.length;
  let i = 0;
  while (text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i++) !== 123 /* { */) return undefined;
  while (text.charCodeAt(i) === 32) i++;
  const record: Record<string, string | null> = {};
  if (text.charCodeAt(i) === 125 /* } */) i++;
  else {
    for (;;) {
      if (text.charCodeAt(i) !== 34 /* " */) return undefined;
      const keyEnd = text.indexOf('"', i + 1);
      if (keyEnd === -1) return undefined;
      const key = text.slice(i + 1, keyEnd);
      // An own `__proto__` property is what JSON.parse makes; an assignment would set the prototype instead.
      if (key === '__proto__') return undefined;
      i = keyEnd + 1;
      while (text.charCodeAt(i) === 32) i++;
      if (text.charCodeAt(i++) !== 58 /* : */) return undefined;
      while (text.charCodeAt(i) === 32) i++;
      if (text.charCodeAt(i) === 34) {
        const valueEnd = text.indexOf('"', i + 1);
        if (valueEnd === -1) return undefined;
        record[key] = text.slice(i + 1, valueEnd);
        flatPairs++;
        i = valueEnd + 1;
      } else if (text.startsWith('null', i)) {
        record[key] = null;
        flatPairs++;
        i += 4;
      } else return undefined;
      while (text.charCodeAt(i) === 32) i++;
      const next = text.charCodeAt(i++);
      if (next === 125) break;
      if (next !== 44 /* , */) return undefined;
      while (text.charCodeAt(i) === 32) i++;
    }
  }
  while (text.charCodeAt(i) === 32) i++;
  return i === end ? record : undefined;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Line breaks as `readline` counts them: `\n`, `\r\n` and a lone `\r`. */
const LINE_BREAK = /\r\n|\n|\r/;
const CHUNK_BYTES = 1 << 22;

interface InputFile {
  incidents: ClusterIncident[];
  /** The line of each incident. */
  lines: number[];
}

/**
 * The first incident whose id an earlier line already had, as the error to report. Duplicate ids are found by the
 * engine (`DuplicateIncidentError`) rather than by a second index of every id here; this names their lines.
 */
function firstDuplicate({ incidents, lines }: InputFile): InputLineError | undefined {
  const firstLineOf = new Map<string, number>();
  for (let i = 0; i < incidents.length; i++) {
    const id = incidents[i]!.id;
    const earlier = firstLineOf.get(id);
    if (earlier !== undefined) return new InputLineError(lines[i]!, `duplicate id "${id}" (first on line ${earlier})`);
    firstLineOf.set(id, lines[i]!);
  }
  return undefined;
}

async function readIncidents(path: string): Promise<InputFile> {
  const file: InputFile = { incidents: [], lines: [] };
  let line = 0;
  const titles = new Map<string, string>();
  const take = (text: string): void => {
    line++;
    if (text.trim() === '') return;
    let incident: ClusterIncident;
    try {
      incident = parseIncidentLine(text, line);
    } catch (error) {
      // Lines are reported in order: a duplicate id above this line comes first.
      throw firstDuplicate(file) ?? error;
    }
    // Repeated titles share one string (less memory; later look-ups by title find it by identity).
    const title = titles.get(incident.title);
    if (title !== undefined) incident.title = title;
    else {
      if (titles.size >= 65_536) titles.clear();
      titles.set(incident.title, incident.title);
    }
    file.incidents.push(incident);
    file.lines.push(line);
  };
  // Read in large chunks and split on line breaks: far cheaper than a readline event per line.
  const handle = await open(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    let ascii = true;
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let rest = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      const end = bytesRead === 0;
      // ASCII is its own UTF-8: copied as is, until a chunk holds anything else (the decoder then carries
      // characters split between chunks).
      const bytes = buffer.subarray(0, bytesRead);
      if (ascii && !isAscii(bytes)) ascii = false;
      let text = rest + (ascii ? bytes.toString('latin1') : end ? decoder.end() : decoder.write(bytes));
      // A `\r` at the end of a chunk may be the first half of `\r\n`: it waits for the next chunk.
      rest = '';
      if (!end && text.endsWith('\r')) {
        rest = '\r';
        text = text.slice(0, -1);
      }
      const lines = text.includes('\r') ? text.split(LINE_BREAK) : text.split('\n');
      // The last piece is an unfinished line (or '' after a final line break).
      const last = lines.pop()!;
      for (const piece of lines) take(piece);
      if (end) {
        if (last !== '') take(last);
        break;
      }
      rest = last + rest;
    }
  } finally {
    await handle.close();
  }
  return file;
}

async function writeLines(lines: Iterable<string>, write: (chunk: string) => Promise<void>): Promise<void> {
  let buffer = '';
  for (const text of lines) {
    buffer += text;
    if (buffer.length >= 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  if (buffer !== '') await write(buffer);
}

/** Output lines, as `JSON.stringify({ id, cluster_id, template })` writes them, each cluster id and template escaped once. */
function* assignmentLines(assignments: readonly IncidentAssignment[]): Iterable<string> {
  // Everything after the id, per template: its cluster id and template text, escaped once.
  const tails: Array<{ clusterId: string; template: string; tail: string } | undefined> = [];
  for (const a of assignments) {
    let tail = tails[a.templateId];
    if (tail === undefined || tail.clusterId !== a.clusterId || tail.template !== a.template) {
      tail = { clusterId: a.clusterId, template: a.template, tail: `,"cluster_id":${JSON.stringify(a.clusterId)},"template":${JSON.stringify(a.template)}}\n` };
      tails[a.templateId] = tail;
    }
    const id = a.incidentId;
    yield `{"id":${NEEDS_ESCAPE.test(id) ? JSON.stringify(id) : `"${id}"`}${tail.tail}`;
  }
}
// What JSON.stringify escapes in a string: quotes, backslashes, control characters and lone surrogates.
const NEEDS_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;

function writeToStream(stream: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise((resolve, reject) => {
      stream.write(chunk, (error) => (error ? reject(error) : resolve()));
    });
}

async function writeAtomically(path: string, lines: Iterable<string>): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await writeLines(lines, async (chunk) => {
      await handle.write(chunk);
    });
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit status. */
export async function runInsights(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`insights: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const input = await readIncidents(options.input);
    let assignments: IncidentAssignment[];
    try {
      ({ assignments } = recluster({ incidents: input.incidents }));
    } catch (error) {
      throw error instanceof DuplicateIncidentError ? (firstDuplicate(input) ?? error) : error;
    }
    const lines = assignmentLines(assignments);
    if (options.output === undefined) await writeLines(lines, writeToStream(io.stdout));
    else await writeAtomically(options.output, lines);
    return 0;
  } catch (error) {
    if (error instanceof InputLineError) {
      io.stderr.write(`insights: ${options.input}: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.stderr.write(`insights: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runInsights(process.argv.slice(2));
}
