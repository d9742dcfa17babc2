-- API tokens for machines (CLI, scripts): scoped to one account and a role, stored only as a hash.
create table api_tokens (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  role text not null check (role in ('owner', 'admin', 'responder', 'viewer')),
  token_hash bytea not null unique,
  created_by uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_account_idx on api_tokens (account_id, created_at desc);

grant select, insert, update on api_tokens to insights_app;
alter table api_tokens enable row level security;
alter table api_tokens force row level security;
create policy api_tokens_tenant_isolation on api_tokens
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));
