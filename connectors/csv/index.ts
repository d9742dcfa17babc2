// CSV import with a header row and a field mapping: the public surface.
export { importCsv, type CsvImportRow } from './import.ts';
export { CsvReader, readCsvRows, type CsvInput, type CsvOptions, type CsvRow } from './parse.ts';
export { validateMapping, type FieldMapping } from '../field-mapping.ts';
