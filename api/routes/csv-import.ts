// CSV upload for `csv` integrations: the file is read through the integration's field mapping and import settings and
// its rows stored as raw events, all or nothing: one malformed row refuses the file (naming its lines) before anything
// is stored. Each row's key is its content, so uploading the same file again stores nothing new.
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { importCsv } from '../../connectors/csv/index.ts';
import { describeFieldErrors, type FieldMapping } from '../../connectors/field-mapping.ts';
import { applyImportSettings } from '../../connectors/filters.ts';
import { ConnectorError, type UnifiedRecord } from '../../connectors/types.ts';
import { appendAudit } from '../../db/audit.ts';
import { getIntegration } from '../../db/integrations.ts';
import { insertRawEvents, type NewRawEvent } from '../../db/raw-events.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError, notFound, type ErrorDetail } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { CsvImportAccepted, CsvImportBody, CsvImportParams } from '../schemas/csv-import.ts';
import type { IntegrationSettings } from '../schemas/integrations.ts';
import { createUnifyNudger } from '../unify-nudger.ts';

const BODY_LIMIT = 20 * 1024 * 1024;
/** Rows per transaction: big enough to be set-based, small enough that a big file never holds one long transaction. */
const BATCH_SIZE = 1000;
/** Bad rows named in a refusal; the message gives the total. */
const MAX_DETAILS = 50;

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse };

/** The same row (same mapped content) always gets the same key, so a re-upload is absorbed by the unique key. */
export function csvEventKey(record: UnifiedRecord): string {
  return `csv:${record.externalId}:${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`;
}

/** A header problem (importCsv's ConnectorError, "line 1: ...") as the API's error. */
function invalidHeader(err: ConnectorError): AppError {
  const match = /^line (\d+): (.*)$/s.exec(err.message);
  const detail: ErrorDetail = match ? { field: `line ${match[1]}`, in: 'body', message: match[2]! } : { in: 'body', message: err.message };
  return new AppError(400, 'invalid_csv', `The CSV cannot be read with this integration’s mapping: ${err.message}`, [detail]);
}

export const csvImportRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;
  const nudger = createUnifyNudger(deps, app.log);
  app.addHook('onClose', async () => nudger.close());

  // This scope reads CSV only (the rest of the API speaks JSON): another content type gets 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  /** Every row through the mapping, stopping at nothing: how many rows, and the bad ones (the first MAX_DETAILS). */
  const validate = async (csv: string, mapping: FieldMapping) => {
    let rows = 0;
    let bad = 0;
    const details: ErrorDetail[] = [];
    for await (const row of importCsv(csv, mapping)) {
      rows += 1;
      if (row.ok) continue;
      bad += 1;
      if (details.length < MAX_DETAILS) details.push({ field: `line ${row.line}`, in: 'body', message: describeFieldErrors(row.errors) });
    }
    return { rows, bad, details };
  };

  app.post(
    '/api/integrations/:id/import',
    {
      config: { access: 'integrations:manage' },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['integrations'],
        summary: 'Upload a CSV file into a csv integration (content-type text/csv)',
        description:
          'Every row is checked first: one that does not fit the mapping refuses the whole file with 400 invalid_csv, naming up to 50 lines in `details`, and nothing is stored. ' +
          'Otherwise the rows are stored (a row uploaded before is not stored again), unified right after, and then reclustered (an import): 202. 409 for an integration that is not of kind csv, or is paused.',
        consumes: ['text/csv'],
        params: CsvImportParams,
        body: CsvImportBody,
        response: { 202: CsvImportAccepted, ...errors },
      },
    },
    async (request, reply) => {
      const accountId = request.accountId;
      const integration = await withAccount(sql, accountId, (tx) => getIntegration(tx, accountId, request.params.id));
      if (!integration) throw notFound('integration', request.params.id);
      if (integration.kind !== 'csv') throw new AppError(409, 'not_csv', `A ${integration.kind} integration takes no CSV uploads: upload into an integration of kind csv`);
      if (integration.status === 'paused') throw new AppError(409, 'integration_paused', 'Resume the integration first');
      const settings = integration.settings as IntegrationSettings;
      const mapping = settings.mapping as FieldMapping | undefined;
      if (!mapping) throw new AppError(409, 'no_mapping', 'This integration has no field mapping: set `settings.mapping` first');
      const csv = request.body ?? '';

      // All or nothing: read the whole file once before storing any of it, so a bad row leaves no partial import.
      let checked;
      try {
        checked = await validate(csv, mapping);
      } catch (err) {
        if (err instanceof ConnectorError) throw invalidHeader(err);
        throw err;
      }
      if (checked.bad > 0) {
        const first = checked.details[0]!;
        throw new AppError(
          400,
          'invalid_csv',
          `${checked.bad} of ${checked.rows} rows do not fit the mapping, so nothing was stored (first: ${first.field}: ${first.message})`,
          checked.details,
        );
      }

      // Then store in batches; a failure part-way leaves whole batches, and uploading the file again completes it.
      const keepPayload = !settings.drop || settings.drop.length === 0;
      let stored = 0;
      let filtered = 0;
      let batch: NewRawEvent[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const events = batch;
        batch = [];
        stored += await withAccount(sql, accountId, (tx) => insertRawEvents(tx, accountId, integration.id, 'csv', events));
      };
      for await (const row of importCsv(csv, mapping)) {
        if (!row.ok) continue; // checked above
        const [record] = applyImportSettings([row.incident], settings);
        if (!record) {
          filtered += 1;
          continue;
        }
        batch.push({ eventKey: csvEventKey(record), externalId: record.externalId, record, payload: keepPayload ? row.record : null });
        if (batch.length >= BATCH_SIZE) await flush();
      }
      await flush();

      const result = { rows: checked.rows, stored, duplicates: checked.rows - filtered - stored, filtered };
      await withAccount(sql, accountId, (tx) =>
        appendAudit(tx, accountId, { action: 'integration.imported', actor: auditActor(request), target: { type: 'integration', id: integration.id }, details: result }),
      );
      request.log.info({ integrationId: integration.id, ...result }, 'csv imported');
      // Unified right after, then reclustered: the upload is an import (an account's first clusters wait for one).
      if (stored > 0) await nudger.importFinished(accountId);
      return reply.status(202).send(result);
    },
  );
};
