import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInsights } from './insights.ts';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

const lines = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('insights cluster', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'insights-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const validInput = lines(
    { id: 'a', title: 'High CPU on ip-10-2-3-4 (94%)', service: 'api', created_at: '2025-05-01T10:00:00Z' },
    { id: 'b', title: 'High CPU on ip-10-2-3-9 (99%)', service: 'api', created_at: '2025-05-01T11:00:00Z' },
    { id: 'c', title: 'Disk pressure on batch-node-7', description: 'kubelet evicting pods', created_at: '2025-05-01T12:00:00Z' },
    '',
    { id: 'd', title: 'Disk pressure on batch-node-12', source: 'alertmanager' },
  );

  it('writes one {id, cluster_id, template} line per incident, in input order', async () => {
    const input = join(dir, 'incidents.jsonl');
    const output = join(dir, 'assignments.jsonl');
    writeFileSync(input, validInput);
    const run = capture();
    expect(await runInsights(['cluster', '--input', input, '--output', output], run.io)).toBe(0);
    expect(run.out()).toBe('');
    expect(readFileSync(output, 'utf8')).toBe(
      lines(
        { id: 'a', cluster_id: 'c-9b87a1583610', template: 'High CPU on <HOST> (<PCT>)' },
        { id: 'b', cluster_id: 'c-9b87a1583610', template: 'High CPU on <HOST> (<PCT>)' },
        { id: 'c', cluster_id: 'c-774d8466332f', template: 'Disk pressure on <HOST>' },
        { id: 'd', cluster_id: 'c-774d8466332f', template: 'Disk pressure on <HOST>' },
      ),
    );
    expect(readdirSync(dir).sort()).toEqual(['assignments.jsonl', 'incidents.jsonl']);
  });

  it('writes to standard output without --output', async () => {
    const input = join(dir, 'incidents.jsonl');
    writeFileSync(input, validInput);
    const run = capture();
    expect(await runInsights(['cluster', `--input=${input}`], run.io)).toBe(0);
    expect(run.out().trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it.each([
    ['a line that is not JSON', '{"id": "x", "title": "broken"'],
    ['a line without a title', '{"id": "x"}'],
    ['a line with a bad created_at', '{"id": "x", "title": "t", "created_at": "yesterday"}'],
    ['a duplicate id', '{"id": "a", "title": "again"}'],
  ])('rejects %s with its line number, a non-zero exit and no output file', async (_case, bad) => {
    const input = join(dir, 'incidents.jsonl');
    const output = join(dir, 'assignments.jsonl');
    writeFileSync(input, lines({ id: 'a', title: 'fine' }, { id: 'b', title: 'fine too' }, bad, { id: 'z', title: 'after' }));
    const run = capture();
    expect(await runInsights(['cluster', '--input', input, '--output', output], run.io)).toBe(1);
    expect(run.err()).toMatch(/incidents\.jsonl: line 3: /);
    expect(readdirSync(dir)).toEqual(['incidents.jsonl']);
  });

  it('counts \\r\\n and a lone \\r as line ends, as readline does', async () => {
    const input = join(dir, 'incidents.jsonl');
    writeFileSync(input, '{"id": "a", "title": "fine"}\r\n\r\n{"id": "b", "title": "fine"}\r{"id": "c"}\r\n');
    const run = capture();
    expect(await runInsights(['cluster', '--input', input], run.io)).toBe(1);
    expect(run.err()).toContain('line 4: "title" must be a string');
  });

  it('reports a duplicate id before a malformed line further down', async () => {
    const input = join(dir, 'incidents.jsonl');
    writeFileSync(input, lines({ id: 'a', title: 'fine' }, { id: 'b', title: 'fine' }, { id: 'a', title: 'again' }, '{"id": "x"'));
    const run = capture();
    expect(await runInsights(['cluster', '--input', input], run.io)).toBe(1);
    expect(run.err()).toContain('line 3: duplicate id "a" (first on line 1)');
  });

  it('reads a file larger than one read chunk whole, in order', async () => {
    const input = join(dir, 'incidents.jsonl');
    const many = Array.from({ length: 60_000 }, (_, i) => ({ id: `i${i}`, title: `Disk full on node-${i % 7} ${'x'.repeat(i % 50)}` }));
    writeFileSync(input, lines(...many));
    expect(statSync(input).size).toBeGreaterThan(4 * 2 ** 20);
    const run = capture();
    expect(await runInsights(['cluster', '--input', input], run.io)).toBe(0);
    const ids = run.out().trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(many.map((m) => m.id));
  });

  it('keeps a character whose bytes a read chunk boundary splits', async () => {
    const input = join(dir, 'incidents.jsonl');
    const chunk = 4 * 2 ** 20;
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < chunk - 200; i++) {
      const line = `${JSON.stringify({ id: `a${i}`, title: `Disk full on node-${i % 9}` })}\n`;
      lines.push(line);
      size += line.length;
    }
    // "日" (three bytes in UTF-8) starts one byte before the boundary.
    const prefix = '{"id": "split", "title": "';
    lines.push(`${prefix}${'x'.repeat(chunk - 1 - size - prefix.length)}日本 disk full"}\n`, `${JSON.stringify({ id: 'after', title: 'é' })}\n`);
    writeFileSync(input, lines.join(''));
    const run = capture();
    expect(await runInsights(['cluster', '--input', input], run.io)).toBe(0);
    const out = run.out().trim().split('\n').map((l) => JSON.parse(l) as { id: string; template: string });
    expect(out.find((o) => o.id === 'split')!.template).toMatch(/x日本 disk full$/);
    expect(out.find((o) => o.id === 'after')!.template).toBe('é');
  });

  it('leaves an existing output file untouched when the input is invalid', async () => {
    const input = join(dir, 'incidents.jsonl');
    const output = join(dir, 'assignments.jsonl');
    writeFileSync(input, '{"id": 1, "title": ["not", "text"]}\n');
    writeFileSync(output, 'previous results\n');
    const run = capture();
    expect(await runInsights(['cluster', '--input', input, '--output', output], run.io)).toBe(1);
    expect(run.err()).toContain('line 1: "title" must be a string');
    expect(readFileSync(output, 'utf8')).toBe('previous results\n');
  });

  it('explains usage errors with exit status 2, and a missing file with 1', async () => {
    const run = capture();
    expect(await runInsights(['cluster'], run.io)).toBe(2);
    expect(run.err()).toContain('--input is required');
    expect(await runInsights(['frobnicate'], capture().io)).toBe(2);
    const missing = capture();
    expect(await runInsights(['cluster', '--input', join(dir, 'nope.jsonl')], missing.io)).toBe(1);
    expect(missing.err()).toContain('ENOENT');
  });

  it('is reachable through the workspace bin that npx runs', async () => {
    const bin = resolve(import.meta.dirname, '../cli/insights.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: insights cluster --input FILE.jsonl [--output FILE.jsonl]');
  });
});
