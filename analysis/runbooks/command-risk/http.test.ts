// HTTP clients: curl.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('HTTP clients', () => {
  it.each([
    'curl -X DELETE https://api.example.com/v1/orders/7',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'curl -X POST https://api.example.com/v1/jobs',
    'curl -d "a=1" https://api.example.com/v1/jobs',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'curl -I https://example.com',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});
