// Data stores other than SQL: redis-cli.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('redis', () => {
  it.each([
    'redis-cli FLUSHALL',
    'redis-cli -h cache.internal -p 6379 flushdb',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'redis-cli DEL session:42',
    'redis-cli CONFIG SET maxmemory 2gb',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'redis-cli INFO memory',
    'redis-cli --bigkeys',
    'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning info replication',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});
