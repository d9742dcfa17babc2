import { describe, expect, it } from 'vitest';
import { auditTargetHref, describeAuditEntry } from './audit';
import type { AuditEntry } from './types';

const entry = (action: string, details: Record<string, unknown> = {}): AuditEntry => ({
  seq: 1, occurredAt: '2026-11-25T10:00:00Z', action, actor: { userId: null, tokenId: null, label: 'a@example.com' },
  subjectUserId: null, target: null, ip: null, requestId: null, details, hash: '00',
});

describe('describeAuditEntry', () => {
  it('says what changed, with the values before and after', () => {
    expect(describeAuditEntry(entry('member.role_changed', { email: 'b@example.com', from: 'viewer', to: 'admin' }))).toBe('changed b@example.com from viewer to admin');
    expect(describeAuditEntry(entry('user.sign_in_failed', { reason: 'unknown_email' }))).toBe('failed to sign in (unknown address)');
  });

  it('falls back to the action for kinds it does not know, and never prints objects', () => {
    expect(describeAuditEntry(entry('run.approved'))).toBe('run.approved');
    expect(describeAuditEntry(entry('invitation.created', { email: { nested: true }, role: 'viewer' }))).toBe('invited  as viewer');
  });

  it('names the clusters an entry refers to by their names, or says they no longer exist, never by id', () => {
    const feedback = (details: Record<string, unknown>, patterns: AuditEntry['patterns']): AuditEntry => ({
      ...entry('cluster.feedback', details),
      target: { type: 'cluster', id: 'c-ea15ec2b4815' },
      patterns,
    });
    const named = [{ id: 'c-ea15ec2b4815', name: 'High CPU on <HOST>' }, { id: 'c-9b87a1583610', name: 'Web CPU saturation' }];
    expect(describeAuditEntry(feedback({ kind: 'merge', intoClusterId: 'c-9b87a1583610' }, named))).toBe('merged the pattern “High CPU on {host}” into the pattern “Web CPU saturation”');
    expect(describeAuditEntry(feedback({ kind: 'merge', intoClusterId: 'c-9b87a1583610' }, [{ id: 'c-ea15ec2b4815', name: null }, named[1]!]))).toBe(
      'merged a pattern that no longer exists into the pattern “Web CPU saturation”',
    );
    expect(describeAuditEntry(feedback({ kind: 'split', template: 'Disk pressure on <*>' }, named))).toBe('split the pattern “High CPU on {host}” by “Disk pressure on …”');
    expect(describeAuditEntry(feedback({ kind: 'rename', name: 'Hot web nodes' }, named))).toBe('named a pattern “Hot web nodes”');
    expect(describeAuditEntry(feedback({ kind: 'not-this-pattern', incidentId: 'x' }, undefined))).toBe('took an incident out of a pattern that no longer exists');
    expect(auditTargetHref(feedback({ kind: 'rename', name: 'x' }, named))).toBe('/clusters/c-ea15ec2b4815');
    expect(auditTargetHref(feedback({ kind: 'rename', name: 'x' }, [{ id: 'c-ea15ec2b4815', name: null }]))).toBeNull();
    const rule = { ...entry('automation_rule.created', { name: 'Diagnose', clusterIds: ['c-ea15ec2b4815', 'c-gone'] }), patterns: [named[0]!, { id: 'c-gone', name: null }] };
    expect(describeAuditEntry(rule)).toBe('added the event rule “Diagnose” for the pattern “High CPU on {host}” or a pattern that no longer exists');
  });
});
