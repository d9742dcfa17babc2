-- Confirmed email addresses, and what the outbox needs to deliver through SMTP at least once without flooding.

alter table users add column email_verified_at timestamptz;
-- Colleagues may see whether a member's address is confirmed.
grant select (email_verified_at) on users to insights_app;

-- Confirmation links: single use, expiring, bound to the address they were sent to; only a hash stored.
create table email_verifications (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  email text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index email_verifications_user_idx on email_verifications (user_id, created_at);

-- Delivery: a sender claims an email for a while (so two never send it at once), counts attempts, and on success
-- drops the body (its links are live credentials until they expire).
alter table outbox_emails alter column body drop not null;
alter table outbox_emails
  -- Names the email outside this database (workflow ids, Message-IDs): unique across databases, unlike `id`.
  add column delivery_id uuid not null unique default gen_random_uuid(),
  add column attempts integer not null default 0,
  add column claimed_until timestamptz,
  add column last_attempt_at timestamptz,
  add column failed_at timestamptz;
create index outbox_emails_pending_idx on outbox_emails (created_at) where sent_at is null and failed_at is null;
-- Tenant transactions queue emails and learn the delivery id to start its workflow with; still nothing else.
grant select (delivery_id) on outbox_emails to insights_app;
