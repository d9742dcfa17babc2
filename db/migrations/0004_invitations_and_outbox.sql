-- Invitations to join an account with a role, and the outbox of emails the platform sends.

create table invitations (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  email text not null check (email = lower(email)),
  role text not null check (role in ('owner', 'admin', 'responder', 'viewer')),
  -- Only a hash: the token itself travels once, in the invitation email's link.
  token_hash bytea not null unique,
  invited_by uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users (id) on delete set null,
  revoked_at timestamptz
);
-- At most one open invitation per address and account (resend replaces its token).
create unique index invitations_open_idx on invitations (account_id, email) where accepted_at is null and revoked_at is null;

grant select, insert, update, delete on invitations to insights_app;
alter table invitations enable row level security;
alter table invitations force row level security;
create policy invitations_tenant_isolation on invitations
  using (account_id = current_setting('app.account_id', true))
  with check (account_id = current_setting('app.account_id', true));

-- Emails to send. Without SMTP they stay here, for a developer to read (`npm run outbox`).
create table outbox_emails (
  id bigint generated always as identity primary key,
  recipient text not null,
  subject text not null,
  body text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  last_error text
);

-- Tenant transactions queue emails (an invitation and its email commit together); they may not read the outbox.
grant insert, select (id) on outbox_emails to insights_app;
