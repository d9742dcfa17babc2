-- Automation triggers (issue 8): runs started by a schedule (a Temporal Schedule per row) or by an event rule matching
-- a new or re-opened incident during unification. A rule's matches are written as "firings" in the unification
-- transaction (an outbox), and the unify workflow turns pending firings into runs.

-- A run may need no approval: an event rule with auto-run whose runbook is read-only throughout.
alter table automation_runs drop constraint automation_runs_required_approvals_check;
alter table automation_runs add constraint automation_runs_required_approvals_check
  check (required_approvals between 0 and 5);
-- Which schedule or rule started the run (no foreign keys: the run's history outlives them).
alter table automation_runs add column schedule_id uuid, add column rule_id uuid;

create table automation_schedules (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- No foreign keys to runbooks or targets: a schedule whose runbook or target is gone stays, records why in
  -- last_error at its next firing and starts nothing.
  runbook_id uuid not null,
  -- Null: the runbook's current version when it fires.
  runbook_version integer check (runbook_version > 0),
  target_id uuid not null,
  -- Standard 5-field cron expressions, evaluated in time_zone (IANA) by the Temporal Schedule.
  cron text[] not null check (cardinality(cron) between 1 and 10),
  time_zone text not null default 'UTC',
  dry_run boolean not null default false,
  enabled boolean not null default true,
  last_fired_at timestamptz,
  last_run_id uuid,
  last_error text,
  -- The person whose name the runs are requested in: they may not approve them.
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, id)
);
create index automation_schedules_account_idx on automation_schedules (account_id, created_at);

create table automation_rules (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  enabled boolean not null default true,
  -- Empty: any.
  cluster_ids text[] not null default '{}',
  services text[] not null default '{}',
  severities text[] not null default '{}',
  on_new boolean not null default true,
  on_reopened boolean not null default false,
  runbook_id uuid not null,
  target_id uuid not null,
  -- Per rule and incident cluster (else service, else incident): one run per window, however many alerts arrive.
  cooldown_seconds integer not null default 1800 check (cooldown_seconds between 0 and 604800),
  -- Runs without approval when every step of the runbook is read-only (re-checked when it fires).
  auto_run boolean not null default false,
  dry_run boolean not null default false,
  last_error text,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (on_new or on_reopened),
  unique (account_id, id)
);
create index automation_rules_account_idx on automation_rules (account_id, created_at);

create table automation_rule_firings (
  -- Also the id of the run it starts, so turning a firing into a run is idempotent.
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  rule_id uuid not null,
  incident_id uuid not null,
  reason text not null check (reason in ('new', 'reopened')),
  cooldown_key text not null,
  status text not null default 'pending' check (status in ('pending', 'started', 'skipped')),
  run_id uuid,
  error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  foreign key (account_id, rule_id) references automation_rules (account_id, id) on delete cascade,
  foreign key (incident_id) references incidents (id) on delete cascade
);
create index automation_rule_firings_pending_idx on automation_rule_firings (account_id, created_at) where status = 'pending';
create index automation_rule_firings_cooldown_idx on automation_rule_firings (rule_id, cooldown_key, created_at desc);

grant select, insert, update, delete on automation_schedules, automation_rules, automation_rule_firings to insights_app;

alter table automation_schedules enable row level security;
alter table automation_schedules force row level security;
create policy automation_schedules_tenant_isolation on automation_schedules
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table automation_rules enable row level security;
alter table automation_rules force row level security;
create policy automation_rules_tenant_isolation on automation_rules
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table automation_rule_firings enable row level security;
alter table automation_rule_firings force row level security;
create policy automation_rule_firings_tenant_isolation on automation_rule_firings
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
