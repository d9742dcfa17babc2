-- Runbook generation (issue 7): each account's LLM privacy settings, generated drafts (a conversation of refinements),
-- ratings of drafts and runbooks (they feed search ranking), and an audit trail of what was sent to a model.

-- No row: the defaults of db/llm-settings.ts (LLM use on, descriptions and notes sent, no custom patterns).
create table llm_settings (
  account_id text primary key references accounts (id) on delete cascade,
  enabled boolean not null default true,
  send_descriptions boolean not null default true,
  send_notes boolean not null default true,
  -- Extra redaction patterns (JavaScript regular expression sources), validated by analysis/redaction.ts on save.
  redaction_patterns text[] not null default '{}',
  updated_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

create table runbook_drafts (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  -- The first draft's id; refinements share it, so a conversation reads as one thread.
  conversation_id uuid not null,
  parent_id uuid,
  subject_kind text not null check (subject_kind in ('incident', 'cluster')),
  -- An incident uuid or a cluster id (text: cluster ids are not uuids); no foreign key, a draft outlives its subject.
  subject_id text not null check (length(subject_id) between 1 and 200),
  instruction text check (length(instruction) <= 2000),
  status text not null default 'queued' check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  stage text check (stage in ('gathering', 'redacting', 'generating', 'validating', 'stored')),
  mode text check (mode in ('llm', 'retrieval')),
  model text,
  title text check (length(title) <= 200),
  summary text check (length(summary) <= 10000),
  -- RunbookStep[] (analysis/runbook-types.ts), risks already raised by rules; null until generated.
  steps jsonb check (steps is null or jsonb_typeof(steps) = 'array'),
  -- { runbooks: [{ runbookId, version, title, score }], incidents: [{ id, title, score }] }
  sources jsonb not null default '{}' check (jsonb_typeof(sources) = 'object'),
  warnings text[] not null default '{}',
  -- The messages for the model, already redacted (built once, so a retried model call sends the same prompt).
  prompt jsonb,
  error text,
  workflow_id text,
  saved_runbook_id uuid,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, id),
  foreign key (account_id, parent_id) references runbook_drafts (account_id, id) on delete set null (parent_id)
);
create index runbook_drafts_subject_idx on runbook_drafts (account_id, subject_kind, subject_id, created_at desc);
create index runbook_drafts_conversation_idx on runbook_drafts (account_id, conversation_id, created_at);

-- One rating per user per target (a draft or a runbook, optionally one of its steps); changing it replaces the row.
create table runbook_ratings (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  target_kind text not null check (target_kind in ('draft', 'runbook')),
  target_id uuid not null,
  -- -1: the whole draft or runbook.
  step integer not null default -1 check (step >= -1),
  user_id uuid not null references users (id) on delete cascade,
  value smallint not null check (value in (-1, 1)),
  reason text check (length(reason) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, target_kind, target_id, step, user_id)
);
create index runbook_ratings_target_idx on runbook_ratings (account_id, target_kind, target_id);

-- What left for a model, as sent (already redacted): the unredacted text is never stored here.
create table llm_requests (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  draft_id uuid,
  model text not null,
  messages jsonb not null check (jsonb_typeof(messages) = 'array'),
  redaction_counts jsonb not null default '{}' check (jsonb_typeof(redaction_counts) = 'object'),
  request_chars integer not null,
  response_chars integer,
  duration_ms integer,
  outcome text not null check (outcome in ('ok', 'invalid', 'error')),
  error text,
  created_at timestamptz not null default now()
);
create index llm_requests_account_idx on llm_requests (account_id, created_at desc, id desc);
create index llm_requests_draft_idx on llm_requests (account_id, draft_id);

grant select, insert, update, delete on llm_settings, runbook_drafts, runbook_ratings, llm_requests to insights_app;

alter table llm_settings enable row level security;
alter table llm_settings force row level security;
create policy llm_settings_tenant_isolation on llm_settings
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table runbook_drafts enable row level security;
alter table runbook_drafts force row level security;
create policy runbook_drafts_tenant_isolation on runbook_drafts
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table runbook_ratings enable row level security;
alter table runbook_ratings force row level security;
create policy runbook_ratings_tenant_isolation on runbook_ratings
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table llm_requests enable row level security;
alter table llm_requests force row level security;
create policy llm_requests_tenant_isolation on llm_requests
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
