-- Tenant isolation in depth: every tenant table answers only rows of the account set for the transaction
-- (app.account_id), for the insights_app role that tenant transactions switch to (db/tenancy.ts). A query that
-- forgets its `where account_id = ...` still cannot see another account's rows; one without the account set sees none.

do $$
begin
  create role insights_app nologin;
exception
  -- Roles are cluster-wide: another database's migration may have created it (or be creating it right now).
  when duplicate_object or unique_violation then null;
end
$$;

-- The connecting user must be able to switch to the role (a no-op for a superuser).
grant insights_app to current_user;
grant usage on schema public to insights_app;
grant select, insert, update, delete on jobs, echo_messages to insights_app;

alter table jobs enable row level security;
alter table jobs force row level security;
create policy jobs_tenant_isolation on jobs
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));

alter table echo_messages enable row level security;
alter table echo_messages force row level security;
create policy echo_messages_tenant_isolation on echo_messages
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));
