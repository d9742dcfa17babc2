// Incremental sync: what the tool has for the recent past (since the watermark, less an overlap), stored like a
// backfill page (an unchanged incident stores nothing: its snapshot key is known); then the watermark moves on.
import { Context } from '@temporalio/activity';
import { intake, restConnectorFor, type ConnectorSettings, type IntakeSettings } from '../connectors/index.ts';
import { ConnectorError } from '../connectors/types.ts';
import { recordSync } from '../db/integrations.ts';
import { insertRawEvents } from '../db/raw-events.ts';
import { withAccount } from '../db/tenancy.ts';
import type { SyncChangesInput, SyncChangesResult } from '../workflows/activity-contract.ts';
import { openIntegration, type BackfillActivityDeps } from './backfill.ts';
import { fromConnectorError } from './failures.ts';
import { syncIncidents, syncRuns } from '../observability/metrics.ts';

/**
 * How far back each sync looks again. Tools list incidents by creation time: an incident created a day ago and
 * resolved just now is caught by this overlap; older ones change through webhooks (or a new backfill).
 */
export const SYNC_OVERLAP_MS = 24 * 3600 * 1000;

export function createSyncActivities(deps: BackfillActivityDeps) {
  return {
    async syncChanges({ accountId, integrationId }: SyncChangesInput): Promise<SyncChangesResult> {
      const ctx = Context.current();
      const { integration, credentials } = await openIntegration(deps, accountId, integrationId);
      if (integration.status !== 'active') {
        syncRuns.inc({ source_kind: integration.kind, outcome: 'skipped' });
        return { skipped: integration.status, fetched: 0, stored: 0 };
      }
      const connector = restConnectorFor(integration.kind);
      if (!connector) {
        syncRuns.inc({ source_kind: integration.kind, outcome: 'skipped' });
        return { skipped: 'no_api', fetched: 0, stored: 0 };
      }
      const settings = integration.settings as IntakeSettings & ConnectorSettings;
      const until = new Date();
      const since = new Date(Math.min(until.getTime() - 60_000, (integration.watermark?.getTime() ?? until.getTime()) - SYNC_OVERLAP_MS));
      let fetched = 0;
      let stored = 0;
      try {
        for await (const page of connector.listIncidents(credentials as never, {
          since: since.toISOString(),
          until: until.toISOString(),
          ...(settings.filters ? { filters: settings.filters } : {}),
          signal: ctx.cancellationSignal,
        })) {
          const taken = intake(connector as never, page.items.map((raw) => ({ raw })), settings);
          fetched += page.items.length;
          const storedNow = await withAccount(deps.sql, accountId, (tx) => insertRawEvents(tx, accountId, integrationId, integration.kind, taken.events));
          stored += storedNow;
          syncIncidents.inc({ source_kind: integration.kind }, storedNow);
          ctx.heartbeat({ fetched });
        }
      } catch (err) {
        syncRuns.inc({ source_kind: integration.kind, outcome: 'failed' });
        // Cancelled by the workflow: the connector saw an aborted request; Temporal must see the cancellation.
        if (ctx.cancellationSignal.aborted) await ctx.cancelled;
        if (err instanceof ConnectorError) throw fromConnectorError(err);
        throw err;
      }
      await withAccount(deps.sql, accountId, (tx) => recordSync(tx, accountId, integrationId, until));
      syncRuns.inc({ source_kind: integration.kind, outcome: 'ok' });
      return { fetched, stored };
    },
  };
}
