import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../types.ts';
import { CsvReader, importCsv, readCsvRows, type CsvImportRow, type FieldMapping } from './index.ts';

const mapping: FieldMapping = {
  fields: { externalId: 'id', title: 'title', service: 'service', severity: 'severity', status: 'status', createdAt: 'created', resolvedAt: 'resolved', assignees: 'assignees', description: 'notes' },
};

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('CSV reader (RFC 4180)', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, counting lines', async () => {
    const rows = await all(readCsvRows('a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\r\nlines",z\n3,,\n'));
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\r\nlines', 'z'] },
      { line: 5, fields: ['3', '', ''] },
    ]);
  });

  it('gives the same rows whatever the chunk boundaries, including inside CRLF and multi-byte characters', async () => {
    const text = 'id,title\r\n1,"Größe ""über"" 90%"\r\n2,"a\r\nb"\r\n';
    const bytes = Buffer.from(text, 'utf8');
    const oneByteChunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(await all(readCsvRows(oneByteChunks))).toEqual(await all(readCsvRows(text)));
  });

  it('reports a malformed row with its line and reads on', async () => {
    const rows = await all(readCsvRows('a,b\n1,x"y\n2,"ok"\n3,"bad"z\n4,fine\n'));
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'quote inside unquoted field 2 (quote the whole field and double the quote)' },
      { line: 3, fields: ['2', 'ok'] },
      { line: 4, error: 'unexpected "z" after the closing quote of field 2' },
      { line: 5, fields: ['4', 'fine'] },
    ]);
  });

  it('reports an unterminated quoted field at the line where it starts', async () => {
    expect(await all(readCsvRows('a,b\n1,"never\nclosed\n'))).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 2, error: 'quoted field 2 is never closed' }]);
  });

  it('supports another delimiter and skips blank lines and a BOM', () => {
    const reader = new CsvReader({ delimiter: ';' });
    expect([...reader.push('\uFEFFa;b\n\n1;"2;3"\n'), ...reader.end()]).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2;3'] },
    ]);
  });
});

describe('CSV import', () => {
  it('maps every row of a header-row CSV to unified incidents', async () => {
    const rows = await all(importCsv(readFileSync(resolve(import.meta.dirname, 'fixtures/incidents.csv'), 'utf8'), mapping));
    expect(rows.map((r) => r.line)).toEqual([2, 3, 5]);
    const incidents = rows.map((r) => (r.ok ? r.incident : undefined));
    expect(incidents[0]).toMatchObject({
      source: 'csv',
      externalId: 'INC-1',
      title: 'High CPU on ip-10-2-3-4 (94%)',
      severity: 'P1',
      severityOriginal: 'critical',
      status: 'resolved',
      createdAt: '2025-03-04T09:12:44.000Z',
      resolvedAt: '2025-03-04T10:03:10.000Z',
      assignees: ['Chen Wei', 'Dana Okafor'],
      description: 'Rolled back; CPU dropping',
    });
    expect(incidents[1]).toMatchObject({ status: 'triggered', severity: 'P3', assignees: [], description: 'Multi-line\r\nnote with "quotes"' });
    expect(incidents[2]).toMatchObject({ status: 'resolved', createdAt: '2025-03-05T00:05:00.000Z', severity: 'P4' });
  });

  it('reports the line and field of rows that do not fit, and imports the rest', async () => {
    const text = 'id,title,service,severity,status,created,resolved,assignees,notes\n' + 'A,ok,svc,high,open,2025-01-01T00:00:00Z,,,\n' + 'B,,svc,purple,open,not a date,,,\n' + 'C,short row\n';
    const rows: CsvImportRow[] = await all(importCsv(text, mapping));
    expect(rows[0]).toMatchObject({ line: 2, ok: true });
    expect(rows[1]).toEqual({
      line: 3,
      ok: false,
      errors: [
        { field: 'title', path: 'title', message: 'is missing or empty' },
        { field: 'createdAt', path: 'created', message: 'is not a date/time: "not a date"' },
        { field: 'severity', path: 'severity', message: 'has no mapping for "purple" (add it to severityMap)' },
      ],
    });
    expect(rows[2]).toEqual({ line: 4, ok: false, errors: [{ field: 'row', message: 'has 2 fields, the header has 9' }] });
  });

  it('stops on a header that lacks a mapped column, or names one twice', async () => {
    await expect(all(importCsv('id,title\nA,x\n', mapping))).rejects.toThrow(ConnectorError);
    await expect(all(importCsv('id,title\nA,x\n', mapping))).rejects.toThrow(/line 1: .*column "service" is not in the header/);
    await expect(all(importCsv('id,id\n', mapping))).rejects.toThrow(/column "id" appears twice/);
    await expect(all(importCsv('', mapping))).rejects.toThrow(/empty/);
  });

  it('streams a large file without holding it', async () => {
    async function* generate() {
      yield 'id,title,service,severity,status,created,resolved,assignees,notes\n';
      for (let i = 0; i < 20_000; i++) yield `I-${i},"Disk pressure on batch-node-${i % 40}",batch,warning,open,2025-01-01T00:00:00Z,,,\n`;
    }
    let count = 0;
    for await (const row of importCsv(generate(), mapping)) if (row.ok) count++;
    expect(count).toBe(20_000);
  });
});
