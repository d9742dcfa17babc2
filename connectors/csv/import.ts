// CSV import: a header row names the columns, the field mapping turns each row into a unified incident, per-row errors carry line numbers.
import { mapRecord, type FieldMapping } from '../field-mapping.ts';
import { ConnectorError, type FieldError, type UnifiedIncident } from '../types.ts';
import { readCsvRows, type CsvInput, type CsvOptions } from './parse.ts';

export type CsvImportRow =
  | { line: number; ok: true; incident: UnifiedIncident; record: Record<string, string> }
  | { line: number; ok: false; errors: FieldError[] };

/** Paths in a CSV mapping are column names (or "/column" pointers); every mapped column must exist in the header. */
function missingColumns(header: string[], mapping: FieldMapping): FieldError[] {
  const columns = new Set(header);
  const used: [string, string][] = [...Object.entries(mapping.fields), ...Object.entries(mapping.labels ?? {}).map(([k, v]) => [`labels.${k}`, v] as [string, string])].filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return used
    .filter(([, column]) => !columns.has(column.startsWith('/') ? column.slice(1) : column))
    .map(([field, column]) => ({ field, path: column, message: `column ${JSON.stringify(column)} is not in the header (${header.join(', ')})` }));
}

/**
 * Streams rows as they are read, so a large upload needs no more memory than a row. A header problem (duplicate
 * or missing columns) stops the import with ConnectorError('invalid'); a bad row is reported and the rest continue.
 */
export async function* importCsv(input: CsvInput, mapping: FieldMapping, options: CsvOptions = {}): AsyncGenerator<CsvImportRow> {
  let header: string[] | undefined;
  for await (const row of readCsvRows(input, options)) {
    if ('error' in row) {
      if (!header) throw new ConnectorError('invalid', `line ${row.line}: the header row is malformed: ${row.error}`);
      yield { line: row.line, ok: false, errors: [{ field: 'row', message: row.error }] };
      continue;
    }
    if (!header) {
      header = row.fields.map((name) => name.trim());
      const duplicate = header.find((name, i) => header!.indexOf(name) !== i);
      if (duplicate !== undefined) throw new ConnectorError('invalid', `line ${row.line}: column ${JSON.stringify(duplicate)} appears twice in the header`);
      if (header.some((name) => name === '')) throw new ConnectorError('invalid', `line ${row.line}: the header has an empty column name`);
      const missing = missingColumns(header, mapping);
      if (missing.length) throw new ConnectorError('invalid', `line ${row.line}: ${missing.map((m) => `${m.field}: ${m.message}`).join('; ')}`);
      continue;
    }
    if (row.fields.length !== header.length) {
      yield { line: row.line, ok: false, errors: [{ field: 'row', message: `has ${row.fields.length} fields, the header has ${header.length}` }] };
      continue;
    }
    const record = Object.fromEntries(header.map((name, i) => [name, row.fields[i]!]));
    const mapped = mapRecord(record, mapping, 'csv');
    yield mapped.ok ? { line: row.line, ok: true, incident: mapped.incident, record } : { line: row.line, ok: false, errors: mapped.errors };
  }
  if (!header) throw new ConnectorError('invalid', 'the CSV is empty: a header row is required');
}
