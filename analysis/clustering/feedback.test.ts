import { describe, expect, it } from 'vitest';
import { assignIncident, loadClusterModel, serializeClusterModel, type ClusterIncident } from './cluster-model.ts';
import { validateFeedback, type ClusterFeedback } from './feedback.ts';
import { recluster, type ReclusterResult } from './recluster.ts';
import { compileTemplatePattern } from './template-pattern.ts';

function history(count: number, offset = 0): ClusterIncident[] {
  const patterns = [
    (i: number) => `High CPU on web-${i % 9} (${90 + (i % 10)}%)`,
    (i: number) => `Disk pressure on batch-node-${i % 17}`,
    (i: number) => `db-${i % 3}.prod.internal disk pressure`,
    (i: number) => `Memory usage ${80 + (i % 20)}% on web-${i % 9}`,
    (i: number) => `Replication lag ${i % 60}s on db-${i % 3}.prod.internal`,
  ];
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      id: `inc-${String(i).padStart(5, '0')}`,
      title: patterns[i % patterns.length]!(i),
      service: i % 2 === 0 ? 'api' : 'db',
      createdAt: new Date(Date.UTC(2025, 2, 1) + i * 600_000).toISOString(),
    };
  });
}

const assignmentsOf = (result: ReclusterResult) => new Map(result.assignments.map((a) => [a.incidentId, a.clusterId]));
const clusterOf = (result: ReclusterResult, prefix: string) => result.clusters.find((c) => c.template.startsWith(prefix))!;

/** Recluster with feedback, then again with 10% more incidents and the first run as previous. */
function twoRuns(feedback: ClusterFeedback[], base: ReclusterResult, incidents = history(500)) {
  const first = recluster({ incidents, feedback, previous: { model: base.model, assignments: assignmentsOf(base) } });
  const second = recluster({
    incidents: [...incidents, ...history(50, incidents.length)],
    feedback,
    previous: { model: serializeClusterModel(first.model), assignments: assignmentsOf(first) },
  });
  return [first, second] as const;
}

describe('user feedback', () => {
  const base = recluster({ incidents: history(500) });
  const cpu = clusterOf(base, 'High CPU');
  const memory = clusterOf(base, 'Memory usage');
  const disk = clusterOf(base, 'Disk pressure');

  it('merges two clusters, and the merge survives reclusters with new data', () => {
    const [first, second] = twoRuns([{ kind: 'merge', clusterId: memory.id, intoClusterId: cpu.id }], base);
    for (const run of [first, second]) {
      const merged = run.clusters.find((c) => c.id === cpu.id)!;
      expect(merged.templates).toEqual(expect.arrayContaining(['High CPU on <HOST> (<PCT>)', 'Memory usage <PCT> on <HOST>']));
      expect(run.clusters.map((c) => c.id)).not.toContain(memory.id);
    }
    expect(assignIncident(second.model, { id: 'x', title: 'Memory usage 91% on web-2' }).clusterId).toBe(cpu.id);
  });

  it('splits a cluster by one of its templates, the same way on every recluster', () => {
    expect(disk.templates).toEqual(expect.arrayContaining(['Disk pressure on <HOST>', '<HOST> disk pressure']));
    const feedback: ClusterFeedback[] = [{ kind: 'split', clusterId: disk.id, template: '<HOST> disk pressure', name: 'Database disks' }];
    const [first, second] = twoRuns(feedback, base);
    const split = first.clusters.find((c) => c.name === 'Database disks')!;
    expect(split.templates).toEqual(['<HOST> disk pressure']);
    for (const run of [first, second]) {
      expect(run.clusters.find((c) => c.id === disk.id)!.templates).toEqual(['Disk pressure on <HOST>']);
      expect(run.clusters.find((c) => c.id === split.id)!.name).toBe('Database disks');
      for (const a of run.assignments) if (a.template === '<HOST> disk pressure') expect(a.clusterId).toBe(split.id);
    }
    expect(assignIncident(second.model, { id: 'y', title: 'db-7.prod.internal disk pressure' }).clusterId).toBe(split.id);
    expect(assignIncident(second.model, { id: 'z', title: 'Disk pressure on batch-node-99' }).clusterId).toBe(disk.id);
  });

  it('splits by a narrower pattern written against the raw text', () => {
    const feedback: ClusterFeedback[] = [{ kind: 'split', clusterId: disk.id, template: 'Disk pressure on batch-node-1<*>' }];
    const run = recluster({ incidents: history(500), feedback, previous: { assignments: assignmentsOf(base) } });
    const titleOf = new Map(history(500).map((i) => [i.id, i.title]));
    const splitIds = new Set(run.assignments.filter((a) => /batch-node-1\d/.test(titleOf.get(a.incidentId)!)).map((a) => a.clusterId));
    expect(splitIds.size).toBe(1);
    expect(splitIds.has(disk.id)).toBe(false);
    expect(assignIncident(run.model, { id: 'w', title: 'Disk pressure on batch-node-15' }).clusterId).toBe([...splitIds][0]);
  });

  it('renames a cluster and keeps the name across reclusters', () => {
    const [first, second] = twoRuns([{ kind: 'rename', clusterId: cpu.id, name: 'Web CPU saturation' }], base);
    for (const run of [first, second]) expect(run.clusters.find((c) => c.id === cpu.id)!.name).toBe('Web CPU saturation');
    expect(loadClusterModel(serializeClusterModel(second.model)).clusters.get(cpu.id)!.name).toBe('Web CPU saturation');
  });

  it('takes an incident marked "not this pattern" out of its cluster for good', () => {
    const incidentId = base.assignments.find((a) => a.clusterId === cpu.id)!.incidentId;
    const feedback: ClusterFeedback[] = [{ kind: 'not-this-pattern', clusterId: cpu.id, incidentId }];
    const [first, second] = twoRuns(feedback, base);
    for (const run of [first, second]) {
      const moved = assignmentsOf(run).get(incidentId)!;
      expect(moved).not.toBe(cpu.id);
      expect(run.clusters.find((c) => c.id === moved)!.size).toBe(1);
      expect(run.clusters.find((c) => c.id === cpu.id)!.size).toBe(base.clusters.find((c) => c.id === cpu.id)!.size - 1 + (run === second ? 10 : 0));
    }
    const incident = history(500).find((i) => i.id === incidentId)!;
    expect(assignIncident(second.model, incident).clusterId).toBe(assignmentsOf(second).get(incidentId));
  });

  it('applies feedback in order, following merges', () => {
    const feedback: ClusterFeedback[] = [
      { kind: 'merge', clusterId: memory.id, intoClusterId: cpu.id },
      { kind: 'rename', clusterId: memory.id, name: 'Web host pressure' },
    ];
    const run = recluster({ incidents: history(500), feedback });
    expect(run.clusters.find((c) => c.id === cpu.id)!.name).toBe('Web host pressure');
    expect(run.unresolvedFeedback).toEqual([]);
  });

  it('reports feedback about clusters that are not there', () => {
    const run = recluster({ incidents: history(100), feedback: [{ kind: 'split', clusterId: 'c-000000000000', template: 'x <*>' }] });
    expect(run.unresolvedFeedback).toEqual([{ index: 0, reason: 'cluster c-000000000000 does not exist' }]);
  });

  it('validates feedback arriving as plain JSON', () => {
    expect(validateFeedback([{ kind: 'rename', clusterId: 'c-1', name: 'x', at: '2025-01-01T00:00:00Z', by: 'u-1' }])).toEqual([
      { kind: 'rename', clusterId: 'c-1', name: 'x', at: '2025-01-01T00:00:00Z', by: 'u-1' },
    ]);
    expect(() => validateFeedback([{ kind: 'merge', clusterId: 'c-1' }])).toThrow(/intoClusterId/);
    expect(() => validateFeedback([{ kind: 'delete' }])).toThrow(/kind/);
  });
});

describe('split templates as people write them', () => {
  it('take a slot in braces, as names show it, for a wildcard', () => {
    const fits = compileTemplatePattern('Disk pressure on {host}');
    expect(fits(['Disk', 'pressure', 'on', '<HOST>'], ['Disk', 'pressure', 'on', 'db-3'])).toBe(true);
    expect(compileTemplatePattern('Disk pressure on batch-{value}')(['Disk', 'pressure', 'on', '<HOST>'], ['Disk', 'pressure', 'on', 'batch-7'])).toBe(true);
    expect(fits(['Disk', 'latency', 'on', '<HOST>'])).toBe(false);
  });
});
