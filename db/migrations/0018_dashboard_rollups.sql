-- Rollups for the dashboard's long ranges (db/incident-rollups.ts). Counting a year of incidents from the index costs
-- a scan of every one of them (0.3-0.8 s at 1M); these tables hold the counts per UTC day (and per quarter hour for
-- the heatmap) over a few dimensions, so a year is a few thousand to a couple of hundred thousand rows instead.
--
-- Exact, never stale: every write to `incidents` marks the UTC days it touched as dirty, in the writer's own
-- transaction (statement triggers below). A refresh recomputes dirty days from `incidents` and clears their marks in
-- one transaction. Aggregates read a clean day from its rollup and a dirty day (or a partial day at the range's ends)
-- from `incidents`, in one statement, so they always equal a count over `incidents` itself.

-- No foreign key: deleting an account deletes its incidents, whose trigger then marks their days after the account row
-- is gone. deleteAccount (db/users.ts) removes the marks in the same transaction.
create table incident_rollup_dirty (
  account_id text not null,
  -- The UTC day (midnight) that changed.
  day timestamptz not null,
  marked_at timestamptz not null default now(),
  primary key (account_id, day)
);

-- Column names are the incident's, so the incident filter's conditions apply to a rollup row unchanged.
create table incident_rollup_daily (
  account_id text not null references accounts (id) on delete cascade,
  day timestamptz not null,
  severity text not null,
  source text not null,
  service text,
  team text,
  status text not null,
  n integer not null
);
create index incident_rollup_daily_idx on incident_rollup_daily (account_id, day) include (severity, source, service, team, status, n);

create table incident_rollup_daily_status (
  account_id text not null references accounts (id) on delete cascade,
  day timestamptz not null,
  severity text not null,
  status text not null,
  n integer not null
);
create index incident_rollup_daily_status_idx on incident_rollup_daily_status (account_id, day) include (severity, status, n);

create table incident_rollup_daily_service (
  account_id text not null references accounts (id) on delete cascade,
  day timestamptz not null,
  service text,
  team text,
  status text not null,
  n integer not null
);
create index incident_rollup_daily_service_idx on incident_rollup_daily_service (account_id, day) include (service, team, status, n);

create table incident_rollup_daily_cluster (
  account_id text not null references accounts (id) on delete cascade,
  day timestamptz not null,
  cluster_id text,
  n integer not null
);
create index incident_rollup_daily_cluster_idx on incident_rollup_daily_cluster (account_id, day) include (cluster_id, n);

-- The heatmap's grain: every time zone's offset is a whole number of quarter hours.
create table incident_rollup_quarter_hour (
  account_id text not null references accounts (id) on delete cascade,
  day timestamptz not null,
  at timestamptz not null,
  n integer not null
);
create index incident_rollup_quarter_hour_idx on incident_rollup_quarter_hour (account_id, at) include (n);
create index incident_rollup_quarter_hour_day_idx on incident_rollup_quarter_hour (account_id, day);

-- A 1-in-16 sample of incidents (ids are random v4 UUIDs, so the first hex digit is uniform and independent of
-- everything measured): percentiles over a range of more than 150,000 incidents read the sample, not every row.
create index incidents_sample_idx on incidents (account_id, created_at)
  include (severity, status, source, service, team, cluster_id, integration_id, mtta_seconds, mttr_seconds)
  where id < '10000000-0000-0000-0000-000000000000'::uuid;

-- Statement-level, with transition tables: one insert per statement, whatever the number of rows. Ordered, so two
-- writers lock the marks of the same days in the same order. `do update` takes the row lock a refresh waits on.
create function incidents_mark_rollups_dirty() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into incident_rollup_dirty (account_id, day)
    select account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') from new_rows group by 1, 2 order by 1, 2
    on conflict (account_id, day) do update set marked_at = excluded.marked_at;
  elsif tg_op = 'UPDATE' then
    insert into incident_rollup_dirty (account_id, day)
    select account_id, day from (
      select account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') as day from new_rows
      union
      select account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') from old_rows
    ) d order by 1, 2
    on conflict (account_id, day) do update set marked_at = excluded.marked_at;
  else
    insert into incident_rollup_dirty (account_id, day)
    select account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') from old_rows group by 1, 2 order by 1, 2
    on conflict (account_id, day) do update set marked_at = excluded.marked_at;
  end if;
  return null;
end
$$;

create trigger incidents_rollups_on_insert after insert on incidents
  referencing new table as new_rows for each statement execute function incidents_mark_rollups_dirty();
create trigger incidents_rollups_on_update after update on incidents
  referencing old table as old_rows new table as new_rows for each statement execute function incidents_mark_rollups_dirty();
create trigger incidents_rollups_on_delete after delete on incidents
  referencing old table as old_rows for each statement execute function incidents_mark_rollups_dirty();

-- What is already stored is dirty: the first refresh builds its rollups.
insert into incident_rollup_dirty (account_id, day)
select account_id, date_bin('1 day', created_at, timestamptz '2000-01-03 00:00:00+00') from incidents group by 1, 2;

grant select, insert, update, delete on incident_rollup_dirty, incident_rollup_daily, incident_rollup_daily_status,
  incident_rollup_daily_service, incident_rollup_daily_cluster, incident_rollup_quarter_hour to insights_app;

alter table incident_rollup_dirty enable row level security;
alter table incident_rollup_dirty force row level security;
create policy incident_rollup_dirty_tenant_isolation on incident_rollup_dirty
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table incident_rollup_daily enable row level security;
alter table incident_rollup_daily force row level security;
create policy incident_rollup_daily_tenant_isolation on incident_rollup_daily
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table incident_rollup_daily_status enable row level security;
alter table incident_rollup_daily_status force row level security;
create policy incident_rollup_daily_status_tenant_isolation on incident_rollup_daily_status
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table incident_rollup_daily_service enable row level security;
alter table incident_rollup_daily_service force row level security;
create policy incident_rollup_daily_service_tenant_isolation on incident_rollup_daily_service
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table incident_rollup_daily_cluster enable row level security;
alter table incident_rollup_daily_cluster force row level security;
create policy incident_rollup_daily_cluster_tenant_isolation on incident_rollup_daily_cluster
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table incident_rollup_quarter_hour enable row level security;
alter table incident_rollup_quarter_hour force row level security;
create policy incident_rollup_quarter_hour_tenant_isolation on incident_rollup_quarter_hour
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
