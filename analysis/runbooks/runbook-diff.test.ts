import { describe, expect, it } from 'vitest';
import { diffRunbooks, diffSteps, settleRisks } from './runbook-diff.ts';
import type { RunbookStep } from './runbook-types.ts';

const step = (title: string, command = `echo ${title}`, risk: RunbookStep['risk'] = 'read-only'): RunbookStep => ({
  title,
  command,
  targetType: 'shell',
  explanation: `Why ${title}`,
  risk,
});

describe('diffSteps', () => {
  it('sees an inserted step as one addition, not as every later step changed', () => {
    const from = [step('Check pods'), step('Read logs'), step('Restart')];
    const to = [step('Check pods'), step('Check nodes'), step('Read logs'), step('Restart')];
    expect(diffSteps(from, to)).toEqual([{ change: 'added', to: { index: 1, step: to[1] } }]);
  });

  it('sees a removed step as one removal', () => {
    const from = [step('Check pods'), step('Read logs'), step('Restart')];
    const to = [step('Check pods'), step('Restart')];
    expect(diffSteps(from, to)).toEqual([{ change: 'removed', from: { index: 1, step: from[1] } }]);
  });

  it('names the fields of a changed step, matching titles case-insensitively', () => {
    const from = [step('Read logs', 'kubectl logs api')];
    const to = [{ ...step('read LOGS', 'kubectl logs api --tail 200'), explanation: 'Why Read logs' }];
    expect(diffSteps(from, to)).toEqual([{ change: 'changed', from: { index: 0, step: from[0] }, to: { index: 0, step: to[0] }, fields: ['title', 'command'] }]);
  });

  it('pairs a renamed step in place as a change, and reports nothing for identical versions', () => {
    const from = [step('A'), step('Old name'), step('C')];
    const to = [step('A'), step('New name'), step('C')];
    const changes = diffSteps(from, to);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ change: 'changed', from: { index: 1 }, to: { index: 1 } });
    expect(diffSteps(to, to)).toEqual([]);
  });
});

describe('diffRunbooks', () => {
  it('reports title, description and tag changes with the tags added and removed', () => {
    const a = { version: 1, title: 'Disk full', description: 'Old', tags: ['disk', 'linux'], steps: [step('df')] };
    const b = { version: 3, title: 'Disk full on a node', description: 'Old', tags: ['disk', 'k8s'], steps: [step('df')] };
    expect(diffRunbooks('rb', a, b)).toEqual({
      runbookId: 'rb',
      from: 1,
      to: 3,
      fields: [
        { field: 'title', from: 'Disk full', to: 'Disk full on a node' },
        { field: 'tags', from: ['disk', 'linux'], to: ['disk', 'k8s'], added: ['k8s'], removed: ['linux'] },
      ],
      steps: [],
    });
  });
});

describe('settleRisks', () => {
  it('raises a step stated below the rules and never lowers one', () => {
    const steps = [step('Delete the pod', 'kubectl delete pod api-1', 'read-only'), step('Look', 'kubectl get pods', 'mutating')];
    const { steps: settled, raised } = settleRisks(steps);
    expect(settled[0]!.risk).toBe('destructive');
    expect(settled[1]!.risk).toBe('mutating');
    expect(raised).toEqual([{ step: 0, stated: 'read-only', risk: 'destructive' }]);
  });
});
