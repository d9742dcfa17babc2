-- Operational metrics across accounts, counts only. Row-level security (forced, even for the owner) hides every
-- account from the app's connection, so the scrape reads through one SECURITY DEFINER function owned by
-- insights_metrics: a role that cannot log in, may read only the few columns counted here, and returns aggregates,
-- never ids or account names.

do $$
begin
  create role insights_metrics nologin;
exception
  -- Roles are cluster-wide: another database's migration may have created it (or be creating it right now).
  when duplicate_object or unique_violation then null;
end
$$;

-- The connecting user hands the function over to the role (ALTER ... OWNER needs membership and CREATE on the schema).
grant insights_metrics to current_user;
grant usage, create on schema public to insights_metrics;

grant select (status) on automation_runs to insights_metrics;
grant select (kind, status, last_synced_at) on integrations to insights_metrics;
create policy automation_runs_metrics on automation_runs for select to insights_metrics using (true);
create policy integrations_metrics on integrations for select to insights_metrics using (true);

create function insights_metrics_snapshot()
returns table (metric text, label text, value double precision)
language sql stable security definer
set search_path = pg_catalog, public
as $$
  select 'automation_runs', status, count(*)::double precision from automation_runs group by status
  union all
  select 'sync_lag_seconds', kind, extract(epoch from now() - min(last_synced_at))::double precision
    from integrations where status = 'active' and last_synced_at is not null group by kind
$$;

alter function insights_metrics_snapshot() owner to insights_metrics;
revoke create on schema public from insights_metrics;
revoke all on function insights_metrics_snapshot() from public;
grant execute on function insights_metrics_snapshot() to current_user;
