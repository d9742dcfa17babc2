// SQL: statements by their risk, and the clients that run them.
import { describe, expect, it } from 'vitest';
import { classifyCommand, classifySql } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('SQL clients', () => {
  it.each([
    'PGPASSWORD=$PW psql -h db -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = \'idle\'"',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it('classifies SQL passed to database clients', () => {
    expect(risk('psql -h db -U app -c "SELECT count(*) FROM orders"')).toBe('read-only');
    expect(risk("psql -c 'drop table sessions'")).toBe('destructive');
    expect(risk('psql --command="DELETE FROM sessions WHERE expires_at < now()"')).toBe('mutating');
    expect(risk('psql -c "delete from sessions"')).toBe('destructive');
    expect(risk('mysql -u root -e "TRUNCATE TABLE audit_log"')).toBe('destructive');
    expect(risk('sqlite3 app.db "select * from jobs"')).toBe('read-only');
    expect(risk('echo "DROP DATABASE app" | psql')).toBe('destructive');
    expect(risk('psql -U app <<SQL\nSELECT 1;\nDELETE FROM jobs;\nSQL')).toBe('destructive');
    expect(risk('psql -U app')).toBe('mutating');
  });

  it('treats a bare SQL statement as SQL, with or without the sql target type', () => {
    expect(risk('SELECT * FROM pg_stat_activity WHERE state = \'active\'')).toBe('read-only');
    expect(risk('select pid from pg_locks', 'sql')).toBe('read-only');
    expect(risk('UPDATE users SET locked = false WHERE id = 7', 'sql')).toBe('mutating');
    expect(risk('DROP INDEX idx_orders_created', 'sql')).toBe('destructive');
  });
});

describe('classifySql', () => {
  it.each([
    ['DROP TABLE orders', 'destructive'],
    ['truncate audit_log', 'destructive'],
    ['DELETE FROM sessions', 'destructive'],
    ['DELETE FROM sessions WHERE 1=1', 'destructive'],
    ['DELETE FROM sessions WHERE created_at < now() - interval \'30 days\'', 'mutating'],
    ['UPDATE accounts SET plan = \'free\'', 'destructive'],
    ['update accounts set plan = \'free\' where id = 3', 'mutating'],
    ['INSERT INTO jobs (name) VALUES (\'x\')', 'mutating'],
    ['ALTER TABLE orders ADD COLUMN note text', 'mutating'],
    ['ALTER TABLE orders DROP COLUMN note', 'destructive'],
    ['CREATE INDEX CONCURRENTLY idx ON orders (created_at)', 'mutating'],
    ['VACUUM ANALYZE orders', 'mutating'],
    ['SELECT pg_terminate_backend(1234)', 'mutating'],
    ['SELECT * FROM orders FOR UPDATE', 'mutating'],
    ['SELECT * FROM pg_stat_activity', 'read-only'],
    ['EXPLAIN SELECT * FROM orders', 'read-only'],
    ['EXPLAIN ANALYZE DELETE FROM orders', 'destructive'],
    ['SHOW max_connections', 'read-only'],
    ['WITH t AS (SELECT 1) SELECT * FROM t', 'read-only'],
    ['WITH gone AS (DELETE FROM jobs WHERE done RETURNING id) SELECT count(*) FROM gone', 'mutating'],
    ['SELECT 1; DROP TABLE x;', 'destructive'],
    ['-- DROP TABLE x\nSELECT 1', 'read-only'],
    ['SELECT \'; DROP TABLE x\'', 'read-only'],
    ['\\dt+', 'read-only'],
    ['FROBNICATE orders', 'mutating'],
  ] as const)('classifies `%s` as %s', (sql, expected) => {
    expect(classifySql(sql).risk).toBe(expected);
  });
});
