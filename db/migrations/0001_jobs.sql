-- Jobs: one row per long-running job the API started as a Temporal workflow, so the UI can list and poll them.
create table jobs (
  id uuid primary key,
  account_id text not null,
  kind text not null,
  workflow_id text not null unique,
  status text not null default 'queued'
    check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  input jsonb not null default '{}'::jsonb,
  result jsonb,
  error text,
  progress_done integer not null default 0,
  progress_total integer not null default 0,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);

create index jobs_account_created_idx on jobs (account_id, created_at desc);

-- What the echo job writes: exactly one row per job, whatever retries or worker crashes happen on the way.
create table echo_messages (
  job_id uuid primary key references jobs (id) on delete cascade,
  account_id text not null,
  message text not null,
  written_by text not null,
  attempt integer not null,
  created_at timestamptz not null default now()
);
