// The public API: target types, unknown programs, and a model's risk raised by the rules, never lowered.
import { describe, expect, it } from 'vitest';
import { classifyCommand, escalate, maxRisk } from './index.ts';

const risk = (command: string, target?: Parameters<typeof classifyCommand>[1]) => classifyCommand(command, target).risk;

describe('classifyCommand', () => {
  it('completes a command that omits the tool its target type names', () => {
    expect(risk('get pods -n prod', 'kubectl')).toBe('read-only');
    expect(risk('delete pod api-0', 'kubectl')).toBe('destructive');
    expect(risk('ec2 describe-instances', 'aws')).toBe('read-only');
    expect(risk('restart nginx', 'systemctl')).toBe('mutating');
    expect(risk('GET /api/health', 'http')).toBe('read-only');
    expect(risk('DELETE /api/cache', 'http')).toBe('destructive');
    expect(risk('POST /api/jobs', 'http')).toBe('mutating');
  });

  it('reads a program named like a property every object has as an unknown program, not a rule or a wrapper', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(risk(name), name).toBe('mutating');
      expect(risk(`${name} -x --all`), name).toBe('mutating');
      // Not a wrapper either: what follows it is not read as the command.
      expect(risk(`${name} rm -rf /`), name).toBe('mutating');
    }
  });

  it('assumes an unknown command is mutating, and says why', () => {
    const result = classifyCommand('frobnicate --all');
    expect(result.risk).toBe('mutating');
    expect(result.reasons[0]).toMatch(/unknown command `frobnicate`/);
  });
});

describe('maxRisk and escalate', () => {
  it('orders risks read-only < mutating < destructive', () => {
    expect(maxRisk('read-only', 'mutating')).toBe('mutating');
    expect(maxRisk('destructive', 'mutating')).toBe('destructive');
    expect(maxRisk('read-only', 'read-only')).toBe('read-only');
  });

  it('raises a risk the model understated and keeps one it overstated', () => {
    expect(escalate('read-only', 'kubectl delete pod api-0')).toBe('destructive');
    expect(escalate('mutating', 'kubectl get pods')).toBe('mutating');
    expect(escalate('read-only', 'kubectl get pods')).toBe('read-only');
    expect(escalate('read-only', 'DELETE FROM t', 'sql')).toBe('destructive');
  });
});
