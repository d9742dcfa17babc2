-- The unification's queue in a table of its own. Until now the queue was raw_events' `unified_at is null`, and
-- marking a batch done rewrote each ~2 KB raw event (a new row version and an entry in each of its four indexes)
-- only to set a timestamp: about a third of the unification's database time (bench/unify.ts). A queue row is two
-- columns, written by intake in the statement that stores the event and deleted by the batch that merges it, so a
-- raw event is written once and never again.
create table unify_queue (
  account_id text not null references accounts (id) on delete cascade,
  -- No foreign key to raw_events: a raw event deleted with its integration leaves a queue row that the next batch
  -- takes and finds nothing for (deleting raw events would otherwise look their queue rows up one by one).
  raw_event_id bigint not null,
  primary key (account_id, raw_event_id)
);

insert into unify_queue (account_id, raw_event_id) select account_id, id from raw_events where unified_at is null;
drop index raw_events_pending_idx;
drop index raw_events_queue_idx;
alter table raw_events drop column unified_at;

grant select, insert, delete on unify_queue to insights_app;
alter table unify_queue enable row level security;
alter table unify_queue force row level security;
create policy unify_queue_tenant_isolation on unify_queue
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));
