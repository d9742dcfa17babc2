-- Clusters: recurring patterns among an account's incidents. The engine (analysis/) is pure; these tables keep its
-- model, each incident's cluster, the clusters with their analytics, and what users said about them (feedback).

-- The model of the last recluster (plain JSON from analysis' serializeClusterModel), for online assignment.
create table cluster_models (
  account_id text primary key references accounts (id) on delete cascade,
  state jsonb not null,
  -- Incidents the last recluster saw, and how many were assigned online since to clusters it did not know (drift).
  incidents integer not null default 0,
  unmatched_since integer not null default 0,
  reclustered_at timestamptz not null default now()
);

create table clusters (
  account_id text not null references accounts (id) on delete cascade,
  -- Deterministic and stable across reclusters (the engine matches new clusters to old ones by membership).
  id text not null,
  name text,
  label text not null,
  template text not null,
  templates text[] not null default '{}',
  size integer not null,
  first_seen timestamptz,
  last_seen timestamptz,
  -- Trend, spikes, MTTA/MTTR, incidents per day, top services (analysis' ClusterAnalytics), as of the recluster.
  analytics jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  primary key (account_id, id)
);
create index clusters_size_idx on clusters (account_id, size desc);

alter table incidents add column cluster_id text, add column template text;
create index incidents_cluster_idx on incidents (account_id, cluster_id, created_at desc);

-- What users said, oldest first: merge, split by template, rename, "not this pattern". Re-applied on every recluster.
create table cluster_feedback (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  feedback jsonb not null check (jsonb_typeof(feedback) = 'object'),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index cluster_feedback_account_idx on cluster_feedback (account_id, id);

grant select, insert, update, delete on cluster_models, clusters, cluster_feedback to insights_app;

alter table cluster_models enable row level security;
alter table cluster_models force row level security;
create policy cluster_models_tenant_isolation on cluster_models
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table clusters enable row level security;
alter table clusters force row level security;
create policy clusters_tenant_isolation on clusters
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table cluster_feedback enable row level security;
alter table cluster_feedback force row level security;
create policy cluster_feedback_tenant_isolation on cluster_feedback
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
