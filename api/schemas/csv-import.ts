// CSV upload into a `csv` integration: the raw file in, counts out (bad rows are refused with their lines).
import { Type, type Static } from 'typebox';
import { Uuid } from './common.ts';

export const CsvImportParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const CsvImportBody = Type.String({
  description: 'The CSV file itself (content-type text/csv, UTF-8, up to 20 MiB): a header row naming the columns the mapping reads, then one incident per row',
});

export const CsvImportAccepted = Type.Object({
  rows: Type.Integer({ description: 'Data rows in the file (the header not counted)' }),
  stored: Type.Integer({ description: 'Rows stored as new events' }),
  duplicates: Type.Integer({ description: 'Rows stored before (an earlier upload, or the same row twice in this file)' }),
  filtered: Type.Integer({ description: 'Rows the integration’s import filters left out' }),
});
export type CsvImportAccepted = Static<typeof CsvImportAccepted>;
