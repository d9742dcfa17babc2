// A streaming RFC 4180 CSV reader: quoted fields (commas, quotes, newlines inside), CRLF or LF, line numbers for every row.

/** A row and the line it starts on (1-based, counting newlines inside quoted fields), or why it could not be read. */
export type CsvRow = { line: number; fields: string[] } | { line: number; error: string };

export interface CsvOptions {
  /** Field separator (default ","); ";" is common in European spreadsheet exports. */
  delimiter?: string;
}

/**
 * Push text in chunks of any size, get back complete rows; end() flushes the last one. A malformed row is
 * reported with its line and the reader resumes at the next line, so one bad row does not lose the file.
 */
export class CsvReader {
  private readonly delimiter: string;
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** Just read the closing quote of a quoted field: only a delimiter, newline or second quote may follow. */
  private afterQuote = false;
  private skippingBadRow = false;
  private badReason = '';
  private pendingCR = false;
  private quotedCR = false;
  private line = 1;
  private rowLine = 1;
  private started = false;
  private rowHasContent = false;

  constructor(options: CsvOptions = {}) {
    this.delimiter = options.delimiter ?? ',';
    if (this.delimiter.length !== 1 || this.delimiter === '"' || this.delimiter === '\n' || this.delimiter === '\r') {
      throw new RangeError(`CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(this.delimiter)}`);
    }
  }

  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (ch === '\n') continue;
      }
      if (this.skippingBadRow) {
        if (ch === '\n' || ch === '\r') {
          rows.push({ line: this.rowLine, error: this.badReason });
          this.newLine(ch);
          this.resetRow();
        }
        continue;
      }
      if (this.inQuotes) {
        if (ch === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
          this.quotedCR = false;
        } else {
          // A CRLF inside quotes is one line break, even when a chunk ends between the two.
          if (ch === '\r' || (ch === '\n' && !this.quotedCR)) this.line += 1;
          this.quotedCR = ch === '\r';
          this.field += ch;
        }
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (ch === '"') {
          // "" inside a quoted field is one quote character.
          this.field += '"';
          this.inQuotes = true;
          continue;
        }
        if (ch !== this.delimiter && ch !== '\n' && ch !== '\r') {
          this.bad(`unexpected ${JSON.stringify(ch)} after the closing quote of field ${this.fields.length + 1}`);
          continue;
        }
      }
      if (ch === '"') {
        if (this.field !== '') {
          this.bad(`quote inside unquoted field ${this.fields.length + 1} (quote the whole field and double the quote)`);
          continue;
        }
        this.inQuotes = true;
        this.rowHasContent = true;
      } else if (ch === this.delimiter) {
        this.fields.push(this.field);
        this.field = '';
        this.rowHasContent = true;
      } else if (ch === '\n' || ch === '\r') {
        const row = this.finishRow();
        if (row) rows.push(row);
        this.newLine(ch);
      } else {
        this.field += ch;
        this.rowHasContent = true;
      }
    }
    return rows;
  }

  end(): CsvRow[] {
    if (this.skippingBadRow) {
      const row = { line: this.rowLine, error: this.badReason };
      this.resetRow();
      return [row];
    }
    if (this.inQuotes) {
      const row = { line: this.rowLine, error: `quoted field ${this.fields.length + 1} is never closed` };
      this.resetRow();
      return [row];
    }
    const row = this.finishRow();
    return row ? [row] : [];
  }

  private bad(reason: string) {
    this.skippingBadRow = true;
    this.badReason = reason;
  }

  private newLine(ch: string) {
    if (ch === '\r') this.pendingCR = true;
    this.line += 1;
    this.rowLine = this.line;
  }

  private finishRow(): CsvRow | undefined {
    const hadContent = this.rowHasContent || this.field !== '';
    const fields = [...this.fields, this.field];
    const line = this.rowLine;
    this.resetRow();
    // Blank lines carry no record (spreadsheets often end files with several).
    return hadContent ? { line, fields } : undefined;
  }

  private resetRow() {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.afterQuote = false;
    this.skippingBadRow = false;
    this.rowHasContent = false;
    this.rowLine = this.line;
  }
}

export type CsvInput = string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Rows of a whole input (a string, a file stream, an upload's chunks), decoding UTF-8 across chunk boundaries. */
export async function* readCsvRows(input: CsvInput, options: CsvOptions = {}): AsyncGenerator<CsvRow> {
  const reader = new CsvReader(options);
  if (typeof input === 'string') {
    yield* reader.push(input);
    yield* reader.end();
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    yield* reader.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  const rest = decoder.decode();
  if (rest) yield* reader.push(rest);
  yield* reader.end();
}
