// An integration as the API shows it: its settings and status, how the tool reaches its webhook, its incidents, and
// its latest history import.
import type { SourceKind } from '../connectors/types.ts';
import { countIncidents } from '../db/incidents.ts';
import type { IntegrationRow } from '../db/integrations.ts';
import { latestJobOfWorkflow } from '../db/jobs.ts';
import type { TransactionSql } from '../db/sql.ts';
import { backfillWorkflowId } from '../workflows/index.ts';
import type { AppDeps } from './deps.ts';
import type { IntegrationSettings } from './schemas/integrations.ts';
import { jobView } from './views.ts';

/** How each tool proves a webhook delivery is its own. */
const WEBHOOK_AUTH: Record<SourceKind, string> = {
  pagerduty: 'X-PagerDuty-Signature: HMAC-SHA256 with your webhook subscription’s signing secret (set it as `webhookSecret`)',
  opsgenie: 'Custom header X-Webhook-Token: <secret> in the Webhook integration',
  alertmanager: 'Authorization: Bearer <secret> (receiver http_config.authorization.credentials)',
  webhook: 'Authorization: Bearer <secret>, or X-Webhook-Token: <secret>',
  csv: 'Authorization: Bearer <secret> (an upload, not a webhook)',
};

export async function integrationView(deps: Pick<AppDeps, 'config' | 'temporal'>, tx: TransactionSql, row: IntegrationRow) {
  const { config, temporal } = deps;
  const job = await latestJobOfWorkflow(tx, row.accountId, backfillWorkflowId(row.accountId, row.id));
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    error: row.error,
    errorAt: row.errorAt?.toISOString() ?? null,
    settings: row.settings as IntegrationSettings,
    syncIntervalMinutes: row.syncIntervalMinutes,
    watermark: row.watermark?.toISOString() ?? null,
    lastSyncedAt: row.lastSyncedAt?.toISOString() ?? null,
    hasCredentials: row.hasCredentials,
    webhook: { url: `${config.api.publicUrl}/api/webhooks/${row.accountId}/${row.id}`, auth: WEBHOOK_AUTH[row.kind], configured: row.hasWebhookSecret },
    incidents: await countIncidents(tx, row.accountId, row.id),
    backfill: job ? jobView(job, config, temporal.namespace) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
