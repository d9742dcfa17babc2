// Backfill: page through an integration's history with its connector, store each page's raw events in one
// transaction (idempotent), heartbeat the cursor, and report progress to the job row.
import { Context } from '@temporalio/activity';
import { intake, restConnectorFor, type ConnectorSettings, type IntakeSettings } from '../connectors/index.ts';
import { ConnectorError } from '../connectors/types.ts';
import { integrationSecretContext, setIntegrationStatus, getIntegration, getIntegrationSecrets, type IntegrationRow } from '../db/integrations.ts';
import { recordJobProgress } from '../db/jobs.ts';
import { insertRawEvents } from '../db/raw-events.ts';
import type { SecretBox } from '../db/secret-box.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type { BackfillPagesInput, BackfillPagesResult, IntegrationErrorInput } from '../workflows/activity-contract.ts';
import { fromConnectorError, invalid, notFound } from './failures.ts';
import { backfillIncidents, backfillPages } from '../observability/metrics.ts';

export interface BackfillActivityDeps {
  sql: Sql;
  /** Absent without INSIGHTS_MASTER_KEY: then no stored credentials can be opened. */
  secretBox: SecretBox | undefined;
}

/** Well inside the backfill's heartbeat timeout (workflows/backfill.ts). */
const KEEP_ALIVE_MS = 2_000;

interface BackfillCheckpoint {
  cursor?: unknown;
  fetched: number;
}

/** An integration with its opened credentials, for the activities that call the tool. */
export async function openIntegration(
  deps: BackfillActivityDeps,
  accountId: string,
  integrationId: string,
): Promise<{ integration: IntegrationRow; credentials: Record<string, unknown> }> {
  const found = await withAccount(deps.sql, accountId, async (tx) => {
    const integration = await getIntegration(tx, accountId, integrationId);
    const secrets = integration ? await getIntegrationSecrets(tx, accountId, integrationId) : undefined;
    return integration && secrets ? { integration, secrets } : undefined;
  });
  if (!found) throw notFound(`integration ${integrationId} no longer exists`);
  if (!found.secrets.credentials) throw invalid(`integration ${integrationId} has no credentials`);
  if (!deps.secretBox) throw invalid('INSIGHTS_MASTER_KEY is not set on this worker: it cannot open stored credentials');
  const opened = deps.secretBox.open(found.secrets.credentials, integrationSecretContext(accountId, integrationId, 'credentials'));
  return { integration: found.integration, credentials: JSON.parse(opened) as Record<string, unknown> };
}

export function createBackfillActivities(deps: BackfillActivityDeps) {
  const { sql } = deps;
  return {
    async backfillPages(input: BackfillPagesInput): Promise<BackfillPagesResult> {
      const ctx = Context.current();
      const checkpoint = ctx.info.heartbeatDetails as BackfillCheckpoint | undefined;
      const { accountId, integrationId } = input;
      const { integration, credentials } = await openIntegration(deps, accountId, integrationId);
      const connector = restConnectorFor(integration.kind);
      if (!connector) throw invalid(`a ${integration.kind} integration has no history to backfill`);
      const settings = integration.settings as IntakeSettings & ConnectorSettings;

      let cursor = checkpoint ? checkpoint.cursor : input.cursor;
      let fetched = checkpoint?.fetched ?? input.fetchedBefore;
      let stored = 0;
      let filtered = 0;
      let pages = 0;
      let progress = 0;
      let estimatedTotal: number | undefined;
      const started = Date.now();
      ctx.heartbeat({ cursor, fetched } satisfies BackfillCheckpoint);
      // A page can take long (its incidents' logs, a rate limit's wait): keep telling Temporal the activity lives,
      // with the last stored checkpoint, so a dead worker is noticed within the heartbeat timeout and no sooner.
      const keepAlive = setInterval(() => ctx.heartbeat({ cursor, fetched } satisfies BackfillCheckpoint), KEEP_ALIVE_MS);
      try {
        const iterator = connector.listIncidents(credentials as never, {
          since: input.since,
          until: input.until,
          ...(cursor === undefined ? {} : { cursor: cursor as never }),
          ...(settings.filters ? { filters: settings.filters } : {}),
          signal: ctx.cancellationSignal,
        });
        for await (const page of iterator) {
          const taken = intake(connector as never, page.items.map((raw) => ({ raw })), settings);
          fetched += page.items.length;
          filtered += taken.filtered;
          progress = page.progress;
          estimatedTotal = progress > 0 ? Math.max(fetched, Math.round(fetched / progress)) : page.total;
          const pageCursor = page.next;
          const storedNow = await withAccount(sql, accountId, async (tx) => {
            const n = await insertRawEvents(tx, accountId, integrationId, integration.kind, taken.events);
            await recordJobProgress(tx, accountId, input.jobId, fetched, estimatedTotal ?? fetched);
            return n;
          });
          stored += storedNow;
          backfillPages.inc({ source_kind: integration.kind });
          backfillIncidents.inc({ source_kind: integration.kind }, storedNow);
          cursor = pageCursor;
          // The page is stored: a retry resumes after it (storing it again would be harmless, just slower).
          ctx.heartbeat({ cursor, fetched } satisfies BackfillCheckpoint);
          pages += 1;
          if (cursor === undefined) break;
          if (pages >= input.maxPages || Date.now() - started >= input.maxMs) {
            return { cursor, done: false, fetched, stored, filtered, progress, ...(estimatedTotal !== undefined ? { estimatedTotal } : {}), ...windowOf(cursor) };
          }
        }
      } catch (err) {
        // Cancelled by the workflow: the connector saw an aborted request; Temporal must see the cancellation.
        if (ctx.cancellationSignal.aborted) await ctx.cancelled;
        if (err instanceof ConnectorError) throw fromConnectorError(err);
        throw err;
      } finally {
        clearInterval(keepAlive);
      }
      return { done: true, fetched, stored, filtered, progress: 1, estimatedTotal: fetched };
    },

    async markIntegrationError({ accountId, integrationId, error }: IntegrationErrorInput): Promise<void> {
      await withAccount(sql, accountId, (tx) => setIntegrationStatus(tx, accountId, integrationId, 'error', error.slice(0, 500)));
    },
  };
}

/** The window a windowed cursor points into, for the progress display (other cursors show none). */
function windowOf(cursor: unknown): { window?: { start: string; end: string } } {
  const c = cursor as { windowStart?: unknown; windowEnd?: unknown } | undefined;
  return typeof c?.windowStart === 'string' && typeof c.windowEnd === 'string' ? { window: { start: c.windowStart, end: c.windowEnd } } : {};
}
