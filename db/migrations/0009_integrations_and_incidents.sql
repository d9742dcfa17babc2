-- Ingestion: connected ticket tools (integrations), everything they sent as it came (raw_events), and the unified
-- incidents the unification makes of them.

create table integrations (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  kind text not null check (kind in ('pagerduty', 'opsgenie', 'alertmanager', 'webhook', 'csv')),
  name text not null check (length(name) between 1 and 100),
  -- active: syncing and taking webhooks; paused: neither (deliveries are acknowledged and dropped, so the tool does
  -- not disable its subscription); error: stopped by an error a person must fix (a revoked token), shown on it;
  -- deleted: disconnected with its incidents kept (secrets wiped, hidden everywhere, its incidents keep their key).
  status text not null default 'active' check (status in ('active', 'paused', 'error', 'deleted')),
  error text,
  error_at timestamptz,
  -- Sealed with the master key (db/secret-box.ts), bound to this row: never returned, never logged.
  credentials bytea,
  webhook_secret bytea,
  -- What to import and keep: filters, dropped fields, the history window, a generic webhook's field mapping, hosts.
  settings jsonb not null default '{}' check (jsonb_typeof(settings) = 'object'),
  sync_interval_minutes integer not null default 5 check (sync_interval_minutes between 1 and 1440),
  -- Incremental sync: everything the tool changed before this instant is in.
  watermark timestamptz,
  last_synced_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index integrations_account_idx on integrations (account_id, created_at);

-- What the tools sent, verbatim (after import filters and dropped fields), each once: a repeated webhook delivery
-- or a page fetched twice by a retried activity meets the unique key and changes nothing.
create table raw_events (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  -- Null once its integration was deleted with "keep the data".
  integration_id uuid references integrations (id) on delete set null,
  source text not null,
  -- The tool's id for this delivery or this version of the incident: the deduplication key.
  event_key text not null,
  -- The tool's id of the incident it is about.
  external_id text not null,
  received_at timestamptz not null default now(),
  -- The unified record made of it at intake (connectors' toUnified, after import filters and dropped fields).
  record jsonb not null,
  -- The tool's own payload, kept for the incident's detail page; null when the integration drops fields (notes,
  -- descriptions, ...): what a team chose not to import is not stored in any form.
  payload jsonb,
  -- Set by the unification in the transaction that upserts its incident; rows still null are its queue. (Not an id
  -- watermark: identity values commit out of order, and a slow transaction's row would be skipped for ever.)
  unified_at timestamptz
);
create unique index raw_events_dedupe_idx on raw_events (integration_id, event_key);
create index raw_events_pending_idx on raw_events (account_id, id) where unified_at is null;
-- The queue in arrival order alone: a draining batch reads its ids from here without stepping over what earlier
-- batches unified (measured in bench/unify.ts: about 1.4 times the throughput at the end of a large queue).
create index raw_events_queue_idx on raw_events (id) where unified_at is null;

create table incidents (
  id uuid primary key default gen_random_uuid(),
  account_id text not null references accounts (id) on delete cascade,
  integration_id uuid references integrations (id) on delete set null,
  source text not null,
  external_id text not null,
  title text not null,
  description text,
  service text,
  service_id text,
  team text,
  team_id text,
  severity text not null check (severity in ('P1', 'P2', 'P3', 'P4', 'P5')),
  severity_original text,
  status text not null check (status in ('triggered', 'acknowledged', 'resolved')),
  created_at timestamptz not null,
  acknowledged_at timestamptz,
  resolved_at timestamptz,
  -- The tool's time of the newest version merged in: an older version arriving late never overwrites a newer one.
  observed_at timestamptz not null,
  assignees text[] not null default '{}',
  tags text[] not null default '{}',
  url text,
  dedup_key text,
  labels jsonb not null default '{}',
  timeline jsonb not null default '[]',
  mtta_seconds integer generated always as (case when acknowledged_at is null then null else greatest(0, extract(epoch from acknowledged_at - created_at))::integer end) stored,
  mttr_seconds integer generated always as (case when resolved_at is null then null else greatest(0, extract(epoch from resolved_at - created_at))::integer end) stored,
  first_unified_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint incidents_natural_key unique nulls not distinct (account_id, integration_id, source, external_id)
);
create index incidents_account_created_idx on incidents (account_id, created_at desc, id);
create index incidents_account_service_idx on incidents (account_id, service, created_at desc);

-- A job per run of a workflow: a backfill keeps its meaningful workflow id across runs, so one id may have several
-- job rows over time, but never two open ones.
alter table jobs drop constraint jobs_workflow_id_key;
create unique index jobs_open_workflow_idx on jobs (workflow_id) where status in ('queued', 'running');
create index jobs_workflow_idx on jobs (workflow_id, created_at desc);

grant select, insert, update, delete on integrations, raw_events, incidents to insights_app;

alter table integrations enable row level security;
alter table integrations force row level security;
create policy integrations_tenant_isolation on integrations
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));

alter table raw_events enable row level security;
alter table raw_events force row level security;
create policy raw_events_tenant_isolation on raw_events
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));

alter table incidents enable row level security;
alter table incidents force row level security;
create policy incidents_tenant_isolation on incidents
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));
