-- A pattern's name in words ("High CPU on {host}") comes with its slots' commonest values ("web-01, web-07 and 12
-- more"), written by the recluster with the name (analysis/cluster-label.ts). Patterns met first online have none
-- until the next recluster.
alter table clusters add column label_slots jsonb not null default '[]' check (jsonb_typeof(label_slots) = 'array');
