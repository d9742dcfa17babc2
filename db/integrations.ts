// Integrations (connected ticket tools) of an account: tenant rows, so every function takes a tenant transaction.
// Secrets stay sealed here (db/secret-box.ts); only the ingestion code that needs them opens them.
import type { SourceKind } from '../connectors/types.ts';
import type { TransactionSql } from './sql.ts';

/** An integration is one ticket tool: its kind is the source of the incidents it brings. */
export type IntegrationKind = SourceKind;
export type IntegrationStatus = 'active' | 'paused' | 'error';

export interface IntegrationRow {
  id: string;
  accountId: string;
  kind: IntegrationKind;
  name: string;
  status: IntegrationStatus;
  error: string | null;
  errorAt: Date | null;
  settings: Record<string, unknown>;
  syncIntervalMinutes: number;
  watermark: Date | null;
  lastSyncedAt: Date | null;
  hasCredentials: boolean;
  hasWebhookSecret: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface IntegrationSecrets {
  credentials: Buffer | null;
  webhookSecret: Buffer | null;
}

const columns = (tx: TransactionSql) => tx`
  id, account_id as "accountId", kind, name, status, error, error_at as "errorAt", settings,
  sync_interval_minutes as "syncIntervalMinutes", watermark, last_synced_at as "lastSyncedAt",
  credentials is not null as "hasCredentials", webhook_secret is not null as "hasWebhookSecret",
  created_by as "createdBy", created_at as "createdAt", updated_at as "updatedAt"`;

/** Where a sealed secret of an integration belongs: a value sealed for one row does not open in another. */
export const integrationSecretContext = (accountId: string, integrationId: string, field: 'credentials' | 'webhook_secret') =>
  `integration:${accountId}:${integrationId}:${field}`;

export async function insertIntegration(
  tx: TransactionSql,
  row: {
    id: string;
    accountId: string;
    kind: IntegrationKind;
    name: string;
    settings: Record<string, unknown>;
    credentials: Buffer | null;
    webhookSecret: Buffer | null;
    syncIntervalMinutes: number;
    createdBy: string;
  },
): Promise<IntegrationRow> {
  const [created] = await tx<[IntegrationRow]>`
    insert into integrations (id, account_id, kind, name, settings, credentials, webhook_secret, sync_interval_minutes, created_by)
    values (${row.id}, ${row.accountId}, ${row.kind}, ${row.name}, ${tx.json(row.settings as never)}, ${row.credentials}, ${row.webhookSecret},
            ${row.syncIntervalMinutes}, ${row.createdBy})
    returning ${columns(tx)}`;
  return created;
}

export async function getIntegration(tx: TransactionSql, accountId: string, id: string): Promise<IntegrationRow | undefined> {
  const [row] = await tx<[IntegrationRow?]>`
    select ${columns(tx)} from integrations where account_id = ${accountId} and id = ${id} and status <> 'deleted'`;
  return row;
}

export async function listIntegrations(tx: TransactionSql, accountId: string): Promise<IntegrationRow[]> {
  return tx<IntegrationRow[]>`select ${columns(tx)} from integrations where account_id = ${accountId} and status <> 'deleted' order by created_at, id`;
}

export async function getIntegrationSecrets(tx: TransactionSql, accountId: string, id: string): Promise<IntegrationSecrets | undefined> {
  const [row] = await tx<[IntegrationSecrets?]>`
    select credentials, webhook_secret as "webhookSecret" from integrations where account_id = ${accountId} and id = ${id} and status <> 'deleted'`;
  return row;
}

export interface IntegrationPatch {
  name?: string;
  settings?: Record<string, unknown>;
  syncIntervalMinutes?: number;
  credentials?: Buffer;
  webhookSecret?: Buffer;
}

export async function updateIntegration(tx: TransactionSql, accountId: string, id: string, patch: IntegrationPatch): Promise<IntegrationRow | undefined> {
  const [row] = await tx<[IntegrationRow?]>`
    update integrations set
      name = coalesce(${patch.name ?? null}, name),
      settings = coalesce(${patch.settings ? tx.json(patch.settings as never) : null}::jsonb, settings),
      sync_interval_minutes = coalesce(${patch.syncIntervalMinutes ?? null}::integer, sync_interval_minutes),
      credentials = coalesce(${patch.credentials ?? null}::bytea, credentials),
      webhook_secret = coalesce(${patch.webhookSecret ?? null}::bytea, webhook_secret),
      -- New credentials are a person fixing what stopped the integration.
      status = case when ${patch.credentials !== undefined} and status = 'error' then 'active' else status end,
      error = case when ${patch.credentials !== undefined} then null else error end,
      updated_at = now()
    where account_id = ${accountId} and id = ${id} and status <> 'deleted'
    returning ${columns(tx)}`;
  return row;
}

/** Pause, resume, or stop with an error a person must fix (the error is shown on the integration). */
export async function setIntegrationStatus(
  tx: TransactionSql,
  accountId: string,
  id: string,
  status: IntegrationStatus,
  error: string | null = null,
): Promise<IntegrationRow | undefined> {
  const [row] = await tx<[IntegrationRow?]>`
    update integrations set status = ${status}, error = ${error}, error_at = ${error ? tx`now()` : null}, updated_at = now()
    where account_id = ${accountId} and id = ${id} and status <> 'deleted'
    returning ${columns(tx)}`;
  return row;
}

/** Records a finished sync: the watermark moves only forward. */
export async function recordSync(tx: TransactionSql, accountId: string, id: string, watermark: Date): Promise<void> {
  await tx`
    update integrations set watermark = greatest(coalesce(watermark, ${watermark}), ${watermark}), last_synced_at = now()
    where account_id = ${accountId} and id = ${id}`;
}

/**
 * Deletes the integration with its raw events and incidents; with `keepData` the incidents stay: the row remains as
 * a tombstone (status `deleted`, secrets wiped, hidden everywhere), so kept incidents keep their natural key and a
 * second integration for the same tool never collides with them.
 */
export async function deleteIntegration(tx: TransactionSql, accountId: string, id: string, keepData: boolean): Promise<boolean> {
  if (keepData) {
    const rows = await tx`
      update integrations set status = 'deleted', credentials = null, webhook_secret = null, error = null, updated_at = now()
      where account_id = ${accountId} and id = ${id} and status <> 'deleted'`;
    return rows.count === 1;
  }
  await tx`delete from incidents where account_id = ${accountId} and integration_id = ${id}`;
  await tx`delete from raw_events where account_id = ${accountId} and integration_id = ${id}`;
  const rows = await tx`delete from integrations where account_id = ${accountId} and id = ${id}`;
  return rows.count === 1;
}
