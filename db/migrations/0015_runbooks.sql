-- The runbook library (issue 7): runbooks with their tags and links to services and clusters, and every version of
-- their content (each save is a new version; the runbook row points at the current one).

create table runbooks (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  -- Copies of the current version's fields, so the list and its filters need no join.
  title text not null check (length(title) between 1 and 200),
  description text not null default '' check (length(description) <= 10000),
  tags text[] not null default '{}',
  -- Links, not content: changing them is part of a save but they are not versioned.
  services text[] not null default '{}',
  -- No foreign key: cluster ids are stable across reclusters, and a link should outlive a cluster that dissolved.
  cluster_ids text[] not null default '{}',
  source text not null check (source in ('manual', 'import', 'generated')),
  current_version integer not null check (current_version > 0),
  -- The version the runbook index holds (null: never indexed); a re-index job indexes where it differs from current.
  indexed_version integer,
  -- Kept when the person is gone: the runbook stays the team's.
  created_by uuid references users (id) on delete set null,
  updated_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, id)
);
create index runbooks_list_idx on runbooks (account_id, updated_at desc, id desc);
create index runbooks_tags_idx on runbooks using gin (tags);
create index runbooks_services_idx on runbooks using gin (services);
create index runbooks_cluster_ids_idx on runbooks using gin (cluster_ids);

create table runbook_versions (
  account_id text not null references accounts (id) on delete cascade,
  runbook_id uuid not null,
  version integer not null check (version > 0),
  title text not null check (length(title) between 1 and 200),
  description text not null default '' check (length(description) <= 10000),
  tags text[] not null default '{}',
  -- RunbookStep[] (analysis/runbook-types.ts), validated by the API; risks already raised to the rule-based level.
  steps jsonb not null check (jsonb_typeof(steps) = 'array'),
  -- The version rendered as markdown: what an export, a reader without the app, and the index see.
  markdown text not null,
  note text check (length(note) <= 1000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (runbook_id, version),
  foreign key (account_id, runbook_id) references runbooks (account_id, id) on delete cascade
);
create index runbook_versions_account_idx on runbook_versions (account_id, runbook_id, version desc);

grant select, insert, update, delete on runbooks, runbook_versions to insights_app;

alter table runbooks enable row level security;
alter table runbooks force row level security;
create policy runbooks_tenant_isolation on runbooks
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table runbook_versions enable row level security;
alter table runbook_versions force row level security;
create policy runbook_versions_tenant_isolation on runbook_versions
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
