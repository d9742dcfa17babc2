-- New-pattern labels: each incident's novelty as of its own created_at (new, back after a quiet period, rare, or
-- known), computed set-based by db/incident-novelty.ts when the incident is placed in a cluster and again when a
-- recluster moves incidents between clusters; and event rules that match on it ("when a new pattern appears").
-- Columns of `incidents`, so its row-level security (0009) covers them.

alter table incidents
  -- Null: pending (the incident is in no cluster yet, or its label is not computed yet).
  add column novelty text check (novelty in ('new', 'back', 'rare', 'known')),
  -- The latest earlier incident of its pattern (null when there is none: a new pattern). "Back after 45 days quiet".
  add column novelty_previous_at timestamptz,
  -- The cluster the label was computed for. A row whose cluster_id differs (just placed, or moved by a recluster) is
  -- due: it and the incidents after it that the move affects are labelled again.
  add column novelty_cluster_id text;
-- Due for a label: a column of its own (not only an index predicate) so that its statistics tell the planner how few
-- rows are due at any time (the batch just placed, or what a recluster moved), and the partial index below is used.
alter table incidents add column novelty_due boolean generated always as (cluster_id is distinct from novelty_cluster_id) stored;

-- The incident list filtered by label (`novelty=new`), newest first, a keyset page at a time.
create index incidents_novelty_idx on incidents (account_id, novelty, created_at desc, id desc);
create index incidents_novelty_due_idx on incidents (account_id, created_at) where novelty_due;

-- An event rule may match on the label at arrival; empty: any (including pending).
alter table automation_rules
  add column novelties text[] not null default '{}' check (novelties <@ array['new', 'back', 'rare', 'known']::text[]);
