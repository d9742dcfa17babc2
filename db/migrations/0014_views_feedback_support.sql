-- Saved views of the dashboard and the incident list (with each user's default per page), in-product feedback, and
-- support tickets with their status history.

create table dashboard_views (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  created_by uuid not null references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  page text not null check (page in ('dashboard', 'incidents')),
  -- The page's URL search params, as the web app writes them.
  filters jsonb not null default '{}' check (jsonb_typeof(filters) = 'object'),
  -- The dashboard's widgets in display order (validated by the API's schema); null: the page's own layout.
  layout jsonb check (layout is null or jsonb_typeof(layout) = 'array'),
  shared boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The target of the defaults' foreign key, so a default can only name a view of its own account.
  unique (account_id, id)
);
-- One name per creator and page; "Weekly" and "weekly" would be the same view to a reader of the list.
create unique index dashboard_views_name_idx on dashboard_views (account_id, created_by, page, lower(name));
create index dashboard_views_shared_idx on dashboard_views (account_id, page) where shared;

-- Each user's default view per page. Deleting a view clears the defaults that named it (the cascade).
create table dashboard_view_defaults (
  account_id text not null references accounts (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  page text not null check (page in ('dashboard', 'incidents')),
  view_id uuid not null,
  primary key (account_id, user_id, page),
  foreign key (account_id, view_id) references dashboard_views (account_id, id) on delete cascade
);
create index dashboard_view_defaults_view_idx on dashboard_view_defaults (view_id);

create table feedback (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  rating smallint not null check (rating between 1 and 5),
  text text check (length(text) <= 4000),
  page text not null check (length(page) between 1 and 2000),
  context jsonb check (context is null or jsonb_typeof(context) = 'object'),
  created_at timestamptz not null default now()
);
create index feedback_account_idx on feedback (account_id, created_at desc, id desc);

-- Ticket numbers per account: the counter row's lock (taken by the upsert) orders concurrent creations, so numbers
-- have neither duplicates nor gaps from races.
create table support_ticket_counters (
  account_id text primary key references accounts (id) on delete cascade,
  last_number integer not null
);

create table support_tickets (
  id uuid primary key,
  account_id text not null references accounts (id) on delete cascade,
  number integer not null check (number > 0),
  subject text not null check (length(subject) between 1 and 200),
  description text not null check (length(description) <= 10000),
  status text not null default 'open' check (status in ('open', 'in_progress', 'resolved', 'closed')),
  -- What the browser reported (version, user agent, recent errors), stored as given, size-capped by the API.
  diagnostics jsonb not null default '{}' check (jsonb_typeof(diagnostics) = 'object'),
  created_by uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, number),
  unique (account_id, id)
);
create index support_tickets_creator_idx on support_tickets (account_id, created_by, number desc);

-- Every status a ticket took (its opening included), with who set it and why.
create table support_ticket_events (
  id bigint generated always as identity primary key,
  account_id text not null references accounts (id) on delete cascade,
  ticket_id uuid not null,
  status text not null check (status in ('open', 'in_progress', 'resolved', 'closed')),
  comment text check (length(comment) <= 4000),
  -- Kept when the person is gone: the history stays true.
  changed_by uuid references users (id) on delete set null,
  at timestamptz not null default now(),
  foreign key (account_id, ticket_id) references support_tickets (account_id, id) on delete cascade
);
create index support_ticket_events_ticket_idx on support_ticket_events (account_id, ticket_id, id);

grant select, insert, update, delete on dashboard_views, dashboard_view_defaults, feedback, support_ticket_counters, support_tickets, support_ticket_events to insights_app;

alter table dashboard_views enable row level security;
alter table dashboard_views force row level security;
create policy dashboard_views_tenant_isolation on dashboard_views
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table dashboard_view_defaults enable row level security;
alter table dashboard_view_defaults force row level security;
create policy dashboard_view_defaults_tenant_isolation on dashboard_view_defaults
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table feedback enable row level security;
alter table feedback force row level security;
create policy feedback_tenant_isolation on feedback
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table support_ticket_counters enable row level security;
alter table support_ticket_counters force row level security;
create policy support_ticket_counters_tenant_isolation on support_ticket_counters
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table support_tickets enable row level security;
alter table support_tickets force row level security;
create policy support_tickets_tenant_isolation on support_tickets
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
alter table support_ticket_events enable row level security;
alter table support_ticket_events force row level security;
create policy support_ticket_events_tenant_isolation on support_ticket_events
  using (account_id = current_setting('app.account_id', true)) with check (account_id = current_setting('app.account_id', true));
