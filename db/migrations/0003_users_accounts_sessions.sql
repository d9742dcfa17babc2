-- People, their accounts (organisations) and roles there, and their sign-in sessions.

create table accounts (
  id text primary key,
  name text not null check (length(name) between 1 and 100),
  created_at timestamptz not null default now()
);

-- Accounts that jobs already name (the skeleton's `demo`) become real accounts, so every tenant row has one. The
-- migrating user may be the tables' owner without superuser rights: lift the forced policy for this one read.
alter table jobs no force row level security;
insert into accounts (id, name) select distinct account_id, initcap(account_id) from jobs on conflict do nothing;
alter table jobs force row level security;
alter table jobs add constraint jobs_account_fk foreign key (account_id) references accounts (id) on delete cascade;
alter table echo_messages add constraint echo_messages_account_fk foreign key (account_id) references accounts (id) on delete cascade;

create table users (
  id uuid primary key,
  email text not null check (email = lower(email) and length(email) between 3 and 254),
  name text not null check (length(name) between 1 and 100),
  password_hash text not null,
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create unique index users_email_idx on users (email);

create table memberships (
  account_id text not null references accounts (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'responder', 'viewer')),
  approver boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (account_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

-- A session is one sign-in on one device: the family of its rotating refresh tokens.
create table sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  -- The account its access tokens act for (the account switcher changes it); not tenant data itself.
  current_account_id text references accounts (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  user_agent text,
  ip text
);
create index sessions_user_idx on sessions (user_id);

-- Only hashes are stored; a token that was rotated once (used_at set) and shows up again revokes its session.
create table refresh_tokens (
  token_hash bytea primary key,
  session_id uuid not null references sessions (id) on delete cascade,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);

-- Failed sign-ins, for the per-account and per-address limits (rows older than a day are pruned).
create table sign_in_failures (
  id bigint generated always as identity primary key,
  email text not null,
  ip text not null,
  at timestamptz not null default now()
);
create index sign_in_failures_email_idx on sign_in_failures (email, at);
create index sign_in_failures_ip_idx on sign_in_failures (ip, at);

-- Tenant side: members of an account see its memberships and their colleagues; a user sees their own.
grant select, insert, update, delete on accounts, memberships to insights_app;
-- Colleagues' names and emails, never their password hashes.
grant select (id, email, name, created_at) on users to insights_app;

alter table memberships enable row level security;
alter table memberships force row level security;
-- Reading: the account's memberships, or the user's own (the account switcher). Writing: the account's only, so a
-- user transaction cannot touch memberships in other accounts.
create policy memberships_read on memberships for select
  using (account_id = current_setting('app.account_id', true) or user_id::text = current_setting('app.user_id', true));
create policy memberships_write on memberships for insert
  with check (account_id = current_setting('app.account_id', true));
create policy memberships_update on memberships for update
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));
create policy memberships_delete on memberships for delete
  using (account_id = current_setting('app.account_id', true));

alter table accounts enable row level security;
alter table accounts force row level security;
create policy accounts_read on accounts for select
  using (
    id = current_setting('app.account_id', true)
    or exists (select 1 from memberships m where m.account_id = accounts.id and m.user_id::text = current_setting('app.user_id', true))
  );
create policy accounts_insert on accounts for insert
  with check (id = current_setting('app.account_id', true));
create policy accounts_update on accounts for update
  using (id = current_setting('app.account_id', true))
  with check (id = current_setting('app.account_id', true));
create policy accounts_delete on accounts for delete
  using (id = current_setting('app.account_id', true));

-- Enabled, not forced: sign-in reads users as the connecting role (before anyone's context exists), while a
-- tenant transaction (insights_app) sees only the user and their colleagues.
alter table users enable row level security;
create policy users_visible_to_colleagues on users for select
  using (
    id::text = current_setting('app.user_id', true)
    or exists (select 1 from memberships m where m.user_id = users.id and m.account_id = current_setting('app.account_id', true))
  );
