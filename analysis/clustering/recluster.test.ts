import { describe, expect, it, vi } from 'vitest';
import {
  assignIncident,
  createClusterModel,
  loadClusterModel,
  serializeClusterModel,
  type ClusterIncident,
} from './cluster-model.ts';
import { DuplicateIncidentError, recluster, reclusterWithEmbeddings } from './recluster.ts';

/** A small deterministic pager history: several alerts, hosts and values, spread over 60 days. */
function history(count: number, offset = 0): ClusterIncident[] {
  const patterns = [
    (i: number) => `High CPU on ip-10-2-3-${i % 50} (${90 + (i % 10)}%)`,
    (i: number) => `Disk pressure on batch-node-${i % 17}`,
    (i: number) => `Pod api-7d4b9c8f5-x${'bcdfg'[i % 5]}k9p OOMKilled`,
    (i: number) => `Database connection timeout to 10.0.${i % 4}.7:5432 after ${100 + i}ms`,
    (i: number) => `Certificate for shop${i % 3}.example.com expires in ${i % 30} days`,
    (i: number) => `Queue orders backlog above ${1000 + i} messages`,
  ];
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      id: `inc-${String(i).padStart(5, '0')}`,
      title: patterns[(i * 7) % patterns.length]!(i),
      service: ['api', 'db', 'web'][i % 3]!,
      source: 'alertmanager',
      createdAt: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
    };
  });
}

const clusterIdsByIncident = (assignments: { incidentId: string; clusterId: string }[]) =>
  new Map(assignments.map((a) => [a.incidentId, a.clusterId]));

describe('recluster', () => {
  it('finds the recurring patterns with readable templates and deterministic string ids', () => {
    const result = recluster({ incidents: history(600) });
    expect(result.clusters.map((c) => c.template).sort()).toEqual([
      'Certificate for <HOST> expires in <NUM> days',
      'Database connection timeout to <IP> after <DURATION>',
      'Disk pressure on <HOST>',
      'High CPU on <HOST> (<PCT>)',
      'Pod <POD> OOMKilled',
      'Queue orders backlog above <NUM> messages',
    ]);
    for (const cluster of result.clusters) expect(cluster.id).toMatch(/^c-[0-9a-f]{12}$/);
    expect(result.assignments).toHaveLength(600);
    expect(result.assignments[0]!.incidentId).toBe('inc-00000');
  });

  it('is deterministic whatever the input order', () => {
    const incidents = history(300);
    const shuffled = incidents.slice().sort((a, b) => (a.title < b.title ? -1 : 1));
    const a = clusterIdsByIncident(recluster({ incidents }).assignments);
    const b = clusterIdsByIncident(recluster({ incidents: shuffled }).assignments);
    expect(b).toEqual(a);
  });

  it('gives the same ids when run twice', () => {
    const incidents = history(400);
    const first = recluster({ incidents });
    const second = recluster({
      incidents,
      previous: { model: serializeClusterModel(first.model), assignments: clusterIdsByIncident(first.assignments) },
    });
    expect(second.assignments).toEqual(first.assignments);
    expect(second.clusters).toEqual(first.clusters);
  });

  it('keeps the old clusters’ ids when 10% new incidents arrive', () => {
    const old = history(500);
    const first = recluster({ incidents: old });
    const before = clusterIdsByIncident(first.assignments);
    const second = recluster({ incidents: [...old, ...history(50, 500)], previous: { assignments: before } });
    const after = clusterIdsByIncident(second.assignments);
    for (const [incidentId, clusterId] of before) expect(after.get(incidentId)).toBe(clusterId);
  });

  it('keeps ids from the previous model’s templates when the old incidents are gone', () => {
    const first = recluster({ incidents: history(300) });
    const later = recluster({ incidents: history(300, 1000), previous: { model: first.model } });
    expect(new Set(later.clusters.map((c) => c.id))).toEqual(new Set(first.clusters.map((c) => c.id)));
  });

  it('handles an empty history', () => {
    const result = recluster({ incidents: [] });
    expect(result.clusters).toEqual([]);
    expect(assignIncident(result.model, { id: '1', title: 'First alert ever' }).template).toBe('First alert ever');
  });

  it('rejects an incident id that appears twice', () => {
    const [a] = history(1);
    expect(() => recluster({ incidents: [a!, { ...a!, title: 'other' }] })).toThrow(DuplicateIncidentError);
  });

  it('weighs embeddings from an injected function, once per template', async () => {
    const embed = vi.fn(async (texts: string[]) => texts.map((t) => (t.includes('CPU') ? [1, 0] : [0, 1])));
    const result = await reclusterWithEmbeddings({ incidents: history(120) }, embed);
    expect(embed).toHaveBeenCalledTimes(1);
    expect(embed.mock.calls[0]![0].length).toBe(result.model.miner.groups.length);
    expect(result.clusters.length).toBeGreaterThan(1);
  });
});

describe('online assignment', () => {
  it('puts a new incident of a known pattern into that pattern’s cluster', () => {
    const { model, clusters } = recluster({ incidents: history(300) });
    const cpu = clusters.find((c) => c.template.startsWith('High CPU'))!;
    const assignment = assignIncident(model, { id: 'new-1', title: 'High CPU on ip-10-9-9-9 (99%)', createdAt: '2025-06-01T00:00:00Z' });
    expect(assignment).toMatchObject({ clusterId: cpu.id, template: 'High CPU on <HOST> (<PCT>)' });
    expect(model.clusters.get(cpu.id)!.size).toBe(cpu.size + 1);
    expect(model.clusters.get(cpu.id)!.lastSeen).toBe('2025-06-01T00:00:00Z');
  });

  it('joins a reworded alert to its cluster and starts a cluster for a new one', () => {
    const { model, clusters } = recluster({ incidents: history(300) });
    const disk = clusters.find((c) => c.template.startsWith('Disk pressure'))!;
    expect(assignIncident(model, { id: 'n-1', title: 'batch-node-4 disk pressure', service: 'db', source: 'alertmanager' }).clusterId).toBe(disk.id);
    const fresh = assignIncident(model, { id: 'n-2', title: 'Kafka broker kafka-3 under-replicated partitions' });
    expect(clusters.map((c) => c.id)).not.toContain(fresh.clusterId);
    expect(assignIncident(model, { id: 'n-3', title: 'Kafka broker kafka-5 under-replicated partitions' }).clusterId).toBe(fresh.clusterId);
  });

  it('reads a person’s swapped letters as the word the account uses, in the recluster and online after it', () => {
    const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();
    const typed = (i: number, title: string) => ({ id: `t-${i}`, title, createdAt: at(i) });
    const incidents = [
      ...Array.from({ length: 8 }, (_, i) => typed(i, `payment provider timeouts on ${['checkout-api', 'cart-api', 'search-api'][i % 3]}`)),
      typed(8, 'payment provdier timeouts on checkout-api'),
      typed(9, 'paymnet provider timeouts on cart-api'),
      // Both spellings common: two words, not a typo (`trial` / `trail`).
      ...Array.from({ length: 6 }, (_, i) => typed(10 + i, `audit trail export failed for ${['acme', 'globex'][i % 2]}`)),
      ...Array.from({ length: 6 }, (_, i) => typed(16 + i, `audit trial export failed for ${['acme', 'globex'][i % 2]}`)),
    ];
    const { assignments, model } = recluster({ incidents });
    const cluster = clusterIdsByIncident(assignments);
    expect(cluster.get('t-8')).toBe(cluster.get('t-0'));
    expect(cluster.get('t-9')).toBe(cluster.get('t-0'));
    expect(cluster.get('t-10')).not.toBe(cluster.get('t-16'));
    // The same typos whatever order the incidents came in.
    expect(serializeClusterModel(recluster({ incidents: [...incidents].reverse() }).model).typos).toEqual(serializeClusterModel(model).typos);
    expect(Object.keys(serializeClusterModel(model).typos ?? {})).toEqual(['paymnet', 'provdier']);
    // Online, also after the model went through plain JSON: the typo the recluster read, and the word itself.
    const reloaded = loadClusterModel(JSON.parse(JSON.stringify(serializeClusterModel(model))));
    expect(assignIncident(reloaded, { id: 'n-1', title: 'payment provdier timeouts on cart-api' }).clusterId).toBe(cluster.get('t-0'));
    expect(assignIncident(reloaded, { id: 'n-2', title: 'payment provider timeouts on search-api' }).clusterId).toBe(cluster.get('t-0'));
  });

  it('starts from an empty model for a new account', () => {
    const model = createClusterModel();
    const a = assignIncident(model, { id: '1', title: 'Disk pressure on batch-node-1' });
    const b = assignIncident(model, { id: '2', title: 'Disk pressure on batch-node-2' });
    expect(b.clusterId).toBe(a.clusterId);
    expect(a.clusterId).toMatch(/^c-[0-9a-f]{12}$/);
  });

  it('continues after the model went through plain JSON', () => {
    const { model } = recluster({ incidents: history(300) });
    const reloaded = loadClusterModel(JSON.parse(JSON.stringify(serializeClusterModel(model))));
    const incident = { id: 'new-2', title: 'Pod api-7d4b9c8f5-xqk9p OOMKilled' };
    expect(assignIncident(reloaded, incident)).toEqual(assignIncident(model, incident));
  });
});
