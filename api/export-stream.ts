// Downloads streamed out of one tenant transaction (the incident CSV, the audit log as CSV or JSON): written only as
// fast as the client reads, stopped when the client leaves, and cut short (never completed-looking) on a database error.
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql, TransactionSql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';

/** Writes a chunk; resolves false when the client went away (the producer should stop). */
export type Write = (chunk: string) => Promise<boolean>;

/**
 * A stream fed by `produce` inside the account's transaction. When the client goes away the reply destroys the
 * stream: `write` answers false, the producer returns, and the transaction ends so the connection returns to the pool.
 */
export function streamFromAccount(sql: Sql, accountId: string, what: string, log: FastifyBaseLogger, produce: (tx: TransactionSql, write: Write) => Promise<void>): Readable {
  const out = new PassThrough();
  const room = () =>
    new Promise<void>((resolve) => {
      const go = () => {
        out.off('drain', go);
        out.off('close', go);
        resolve();
      };
      out.on('drain', go);
      out.on('close', go);
    });
  const write: Write = async (chunk) => {
    if (out.destroyed) return false;
    if (!out.write(chunk)) await room();
    return !out.destroyed;
  };
  withAccount(sql, accountId, (tx) => produce(tx, write)).then(
    () => out.end(),
    (err: unknown) => {
      log.error({ err }, `the ${what} export failed`);
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    },
  );
  return out;
}

/**
 * One CSV cell (RFC 4180). A cell a spreadsheet would read as a formula (= + - @, or a leading tab or carriage return)
 * is prefixed with `'`: titles and details come from alerts and people, and a formula in one would run on the
 * reader's machine.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: (string | number | boolean | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;
