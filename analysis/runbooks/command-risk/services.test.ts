// Services and the machine: systemctl, service, journalctl.
import { describe, expect, it } from 'vitest';
import { classifyCommand } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('services', () => {
  it.each([
    'systemctl stop nginx',
    'systemctl mask postgresql',
    'systemctl disable --now nginx',
    'journalctl --vacuum-time=2d',
  ])('calls `%s` destructive', (command) => {
    const result = classifyCommand(command);
    expect(result.risk).toBe('destructive');
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it.each([
    'systemctl restart nginx',
    'systemctl reload nginx',
    'systemctl disable nginx',
    'systemctl daemon-reload',
    'service nginx restart',
  ])('calls `%s` mutating', (command) => {
    expect(risk(command)).toBe('mutating');
  });

  it.each([
    'systemctl status nginx',
    'systemctl is-active nginx',
  ])('calls `%s` read-only', (command) => {
    expect(risk(command)).toBe('read-only');
  });
});
