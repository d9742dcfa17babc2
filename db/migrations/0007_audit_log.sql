-- The audit log: append-only and hash-chained, one chain per account plus one for platform events (sign-ins).
--
-- Every entry's hash covers its content and the previous entry's hash, so an edited, removed or reordered entry
-- breaks the chain from there on (db/audit.ts verifies it). The chaining happens in a trigger, so no writer can
-- choose its own sequence number, time or hashes. There is no foreign key to accounts on purpose: an account's
-- history outlives the account (its deletion is the chain's last entry).

create table audit_log (
  id bigint generated always as identity primary key,
  -- The account whose history this is; null for platform events about a user (sign-ins, password changes).
  account_id text,
  chain text not null,
  seq bigint not null,
  occurred_at timestamptz not null,
  -- Who did it: a user, or an API token acting for its creator; both null when nobody was identified (a failed
  -- sign-in for an unknown address). The label is kept as it read then: users and tokens can be deleted later.
  actor_user_id uuid,
  actor_token_id uuid,
  actor_label text not null,
  -- The user the event is about (the member whose role changed, the user who signed in); they see it too.
  subject_user_id uuid,
  action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  target_type text,
  target_id text,
  ip text,
  request_id text,
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  prev_hash bytea not null,
  hash bytea not null,
  unique (chain, seq)
);
create index audit_log_account_idx on audit_log (account_id, seq desc) where account_id is not null;
create index audit_log_subject_idx on audit_log (subject_user_id, occurred_at desc) where account_id is null;

-- The newest entry of each chain: appends lock this row, so entries of one chain are numbered one at a time. Only
-- the trigger (security definer) touches it; verification compares it with the last entry, so a removed tail shows.
create table audit_chain_heads (
  chain text primary key,
  seq bigint not null,
  hash bytea not null
);

-- One definition of an entry's hash, used when appending and when verifying. Fields are separated by a unit
-- separator and nulls written as empty, so that no two different entries serialise alike.
create function audit_entry_hash(e audit_log) returns bytea
language sql immutable parallel safe as $$
  select sha256(convert_to(concat_ws(chr(31),
    encode(e.prev_hash, 'hex'),
    e.chain,
    e.seq::text,
    (extract(epoch from e.occurred_at) * 1000000)::bigint::text,
    coalesce(e.account_id, ''),
    coalesce(e.actor_user_id::text, ''),
    coalesce(e.actor_token_id::text, ''),
    e.actor_label,
    coalesce(e.subject_user_id::text, ''),
    e.action,
    coalesce(e.target_type, ''),
    coalesce(e.target_id, ''),
    coalesce(e.ip, ''),
    coalesce(e.request_id, ''),
    e.details::text
  ), 'UTF8'))
$$;

create function audit_log_append() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  head audit_chain_heads;
begin
  new.chain := coalesce(new.account_id, 'platform');
  insert into audit_chain_heads (chain, seq, hash) values (new.chain, 0, decode(repeat('00', 32), 'hex'))
    on conflict (chain) do nothing;
  select * into strict head from audit_chain_heads where chain = new.chain for update;
  new.seq := head.seq + 1;
  new.prev_hash := head.hash;
  new.occurred_at := clock_timestamp();
  new.hash := audit_entry_hash(new);
  update audit_chain_heads set seq = new.seq, hash = new.hash where chain = new.chain;
  return new;
end $$;

create trigger audit_log_append before insert on audit_log for each row execute function audit_log_append();

create function audit_log_refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'the audit log is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
end $$;

-- Statement triggers: they fire even when row-level security hides every row, so an attempt fails loudly.
create trigger audit_log_append_only before update or delete or truncate on audit_log
  for each statement execute function audit_log_refuse_change();

-- The application may append and read, never change; the heads are the trigger's business alone.
grant select, insert on audit_log to insights_app;
revoke all on audit_chain_heads from public;

alter table audit_log enable row level security;
alter table audit_log force row level security;
-- Reading: the account's entries, or a user's own platform events (their sign-ins) outside any account.
create policy audit_log_read on audit_log for select
  using (account_id = current_setting('app.account_id', true)
         or (account_id is null and subject_user_id::text = current_setting('app.user_id', true)));
-- Writing: into the account of the transaction; platform events only from a transaction opened for them.
create policy audit_log_append on audit_log for insert
  with check (account_id = current_setting('app.account_id', true)
              or (account_id is null and current_setting('app.audit_platform', true) = 'on'));

-- A chain's head for verification, readable only for the account of the transaction.
create function audit_chain_head(p_chain text) returns table (seq bigint, hash bytea)
language sql stable security definer set search_path = public, pg_temp as $$
  select h.seq, h.hash from audit_chain_heads h where h.chain = p_chain and h.chain = current_setting('app.account_id', true)
$$;
revoke all on function audit_chain_head(text) from public;
grant execute on function audit_chain_head(text) to insights_app;
