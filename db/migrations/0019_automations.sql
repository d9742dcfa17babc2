-- Automations (issue 8): where commands run (targets: the team's Lambda function or an SSH host), each run of a runbook
-- on a target with its steps and outputs, and the approvals people gave or refused.

create table automation_targets (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  kind text not null check (kind in ('lambda', 'ssh')),
  name text not null check (length(name) between 1 and 100),
  -- LambdaTargetConfig / SshTargetConfig (activities/executors/types.ts): nothing secret.
  config jsonb not null check (jsonb_typeof(config) = 'object'),
  -- Sealed with the master key (db/secret-box.ts), bound to this row: never returned, never logged.
  secrets bytea,
  -- Policy (analysis/automation-policy.ts): a command matching a deny pattern, or matching no allow pattern when
  -- there are some, is never sent.
  allow_patterns text[] not null default '{}',
  deny_patterns text[] not null default '{}',
  -- Approvals a run on this target needs before anything runs.
  required_approvals integer not null default 1 check (required_approvals between 1 and 5),
  verified_at timestamptz,
  verified_identity text,
  verify_error text,
  deleted_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, id)
);
create index automation_targets_account_idx on automation_targets (account_id, created_at);

create table automation_runs (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  runbook_id uuid not null,
  runbook_version integer not null check (runbook_version > 0),
  target_id uuid not null,
  requested_by uuid references users (id) on delete set null,
  trigger text not null default 'manual' check (trigger in ('manual', 'schedule', 'event')),
  incident_id uuid references incidents (id) on delete set null,
  status text not null default 'awaiting_approval' check (status in (
    'awaiting_approval', 'approved', 'running', 'completed', 'failed', 'cancelled', 'rejected', 'expired')),
  dry_run boolean not null default false,
  required_approvals integer not null default 1 check (required_approvals between 1 and 5),
  expires_at timestamptz not null,
  workflow_id text not null,
  summary jsonb not null default '{}' check (jsonb_typeof(summary) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  unique (account_id, id),
  foreign key (account_id, runbook_id) references runbooks (account_id, id) on delete cascade,
  foreign key (account_id, target_id) references automation_targets (account_id, id)
);
create index automation_runs_list_idx on automation_runs (account_id, created_at desc, id desc);
create index automation_runs_pending_idx on automation_runs (account_id) where status = 'awaiting_approval';

create table automation_run_steps (
  account_id text not null references accounts (id) on delete cascade,
  run_id uuid not null,
  index integer not null check (index >= 0),
  title text not null,
  command text not null,
  risk text not null,
  destructive boolean not null default false,
  -- Why the policy refused it (null: allowed).
  denied_reason text,
  status text not null default 'pending' check (status in (
    'pending', 'skipped', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Redacted and capped before they are stored.
  stdout text,
  stderr text,
  exit_code integer,
  truncated boolean not null default false,
  already_ran boolean not null default false,
  error text,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (run_id, index),
  foreign key (account_id, run_id) references automation_runs (account_id, id) on delete cascade
);

create table automation_approvals (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  run_id uuid not null,
  -- Null: the approval of the whole run; else the approval of one destructive step.
  step_index integer,
  user_id uuid not null references users (id) on delete cascade,
  decision text not null check (decision in ('approve', 'reject')),
  comment text check (length(comment) <= 1000),
  created_at timestamptz not null default now(),
  foreign key (account_id, run_id) references automation_runs (account_id, id) on delete cascade
);
create unique index automation_approvals_once_idx on automation_approvals (run_id, coalesce(step_index, -1), user_id);

grant select, insert, update, delete on automation_targets, automation_runs, automation_run_steps, automation_approvals
  to insights_app;

alter table automation_targets enable row level security;
alter table automation_targets force row level security;
create policy automation_targets_tenant_isolation on automation_targets
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table automation_runs enable row level security;
alter table automation_runs force row level security;
create policy automation_runs_tenant_isolation on automation_runs
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table automation_run_steps enable row level security;
alter table automation_run_steps force row level security;
create policy automation_run_steps_tenant_isolation on automation_run_steps
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table automation_approvals enable row level security;
alter table automation_approvals force row level security;
create policy automation_approvals_tenant_isolation on automation_approvals
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
