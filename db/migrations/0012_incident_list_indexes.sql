-- The incident list's sorts and the incident page's raw payloads, at a million incidents per account. Each sort of
-- GET /api/incidents (db/incidents.ts) reads its page from an index in order (a keyset page costs about its own
-- length at any depth) instead of sorting every matching incident: P1 first and longest MTTR first here; newest
-- first from incidents_account_created_idx (0009, and from 0013 the dashboard's index). Longest MTTA first has no
-- index of its own: every index on incidents is written by every incident the unification inserts (about a tenth of
-- its time each, bench/unify.ts), and MTTA is the rarest order; it sorts the matching incidents instead.
create index incidents_account_severity_idx on incidents (account_id, severity, created_at desc, id desc);
-- Unset durations (not yet resolved) come last, as the list shows them.
create index incidents_account_mttr_idx on incidents (account_id, mttr_seconds desc nulls last, created_at desc, id desc);

-- An incident's deliveries by its natural key (a deleted integration's rows have a null integration and still match).
create index raw_events_incident_idx on raw_events (integration_id, external_id);
