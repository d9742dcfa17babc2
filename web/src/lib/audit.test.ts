import { describe, expect, it } from 'vitest';
import { describeAuditEntry } from './audit';
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
});
