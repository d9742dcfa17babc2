-- The runbook index in PostgreSQL (issue 7): one row per chunk of a runbook version (its summary, or one step) with its
-- embedding, used when no Pinecone index is configured. With the pgvector extension available, a vector column lets
-- queries use `<=>`; without it the search does an exact cosine scan over the real[] column.

create table runbook_chunks (
  account_id text not null references accounts (id) on delete cascade,
  runbook_id uuid not null,
  -- `<runbook id>#summary` or `<runbook id>#step-<n>` (search/types.ts IndexedChunk.id).
  chunk_id text not null check (length(chunk_id) between 1 and 200),
  version integer not null check (version > 0),
  -- Vectors of different models are never compared: every query filters on it.
  model text not null check (length(model) between 1 and 200),
  text text not null,
  embedding real[] not null,
  created_at timestamptz not null default now(),
  primary key (account_id, chunk_id),
  foreign key (account_id, runbook_id) references runbooks (account_id, id) on delete cascade
);
create index runbook_chunks_runbook_idx on runbook_chunks (account_id, runbook_id);
create index runbook_chunks_model_idx on runbook_chunks (account_id, model);

grant select, insert, update, delete on runbook_chunks to insights_app;

alter table runbook_chunks enable row level security;
alter table runbook_chunks force row level security;
create policy runbook_chunks_tenant_isolation on runbook_chunks
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));

-- Optional: pgvector is not packaged with every PostgreSQL (Debian's 15 lacks it), and the exact scan works without it.
-- No dimension on the column: the local model (384) and remote ones (1536, ...) share it, separated by `model`.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'vector') then
    begin
      create extension if not exists vector;
      alter table runbook_chunks add column embedding_vec vector;
    exception when insufficient_privilege then
      -- A migrating role that may not create extensions (managed databases): the exact scan serves; an administrator
      -- can run `create extension vector` and re-run the index job later.
      raise notice 'pgvector is available but this role may not create it: runbook search uses the exact scan';
    end;
  end if;
end
$$;
