-- The dashboard's aggregates (db/dashboard.ts) read a range of created_at and every column the incident filter and the
-- charts use: with them all in the index, a range is an index-only scan of ~100 bytes per incident instead of visits
-- to ~240-byte heap rows scattered by the unification's updates (measured at 1M incidents: bench/dashboard.ts).
-- Only the title search (`q`) still reads the heap. With `id` in its key it also serves the incident list's newest-
-- and oldest-first pages (scanned backwards or forwards), and a service filter, so the two indexes of 0009 that did
-- only that go: each index costs the unification a write per new incident (bench/unify.ts).
create index incidents_dashboard_idx on incidents (account_id, created_at, id)
  include (severity, status, source, service, team, cluster_id, integration_id, mtta_seconds, mttr_seconds);
drop index incidents_account_created_idx;
drop index incidents_account_service_idx;
