import { describe, expect, it } from 'vitest';
import { chunkRunbook, cosine, embed, embeddingTokens } from './embedding.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

describe('embed', () => {
  it('gives the same vector for the same text', () => {
    const a = embed('Disk full on /var/lib/docker at db-3.prod.internal');
    const b = embed('Disk full on /var/lib/docker at db-3.prod.internal');
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('respects the requested dimensions and normalises to unit length', () => {
    expect(embed('high cpu').length).toBe(384);
    const v = embed('high cpu on a node', 64);
    expect(v.length).toBe(64);
    expect(norm(v)).toBeCloseTo(1, 5);
    expect(() => embed('x', 0)).toThrow(RangeError);
    expect(() => embed('x', 2.5)).toThrow(RangeError);
  });

  it('gives an all-zero vector for text without words', () => {
    const v = embed('   !!! --- ');
    expect(norm(v)).toBe(0);
    expect(cosine(v, embed('high cpu'))).toBe(0);
  });

  it('puts an incident closer to the runbook about it than to unrelated runbooks', () => {
    const incident = embed('High CPU on ip-10-0-0-1 (95%)');
    const related = cosine(incident, embed('Investigate high CPU usage on a node'));
    for (const unrelated of [
      'Rotate an expiring TLS certificate',
      'Recover from PostgreSQL replication lag',
      'Clear a full disk on a database host',
      'Drain a Kafka consumer backlog',
    ]) {
      expect(related).toBeGreaterThan(cosine(incident, embed(unrelated)));
    }
  });

  it('matches variable parts by their shape, not their value', () => {
    const a = embed('Pod api-7d4b9c8f5-x2k9p OOMKilled on ip-10-0-0-1');
    const b = embed('Pod web-6f5d8c7b9-q8w2z OOMKilled on ip-10-9-8-7');
    expect(cosine(a, b)).toBeGreaterThan(0.95);
  });

  it('relates word forms and synonyms', () => {
    const oom = embed('container OOMKilled');
    expect(cosine(oom, embed('out of memory in a container'))).toBeGreaterThan(cosine(oom, embed('certificate expired in a container')));
    const restarts = embed('pod restarts repeatedly');
    expect(cosine(restarts, embed('pod restarting'))).toBeGreaterThan(cosine(restarts, embed('pod scheduling')));
  });

  it('is not thrown by case or punctuation', () => {
    expect(cosine(embed('HIGH CPU, on NODE!'), embed('high cpu on node'))).toBeCloseTo(1, 5);
  });
});

describe('embeddingTokens', () => {
  it('splits alert names written in camel case, keeping the joined word', () => {
    expect(embeddingTokens('KubeNodeNotReady on node-1')).toEqual(expect.arrayContaining(['kubenodenotready', 'kube', 'node', 'ready']));
    expect(embeddingTokens('OOMKilled')).toEqual(['oomkill', 'oom', 'kill']);
  });

  it('keeps an HTTP status as its class, where masking would drop the number', () => {
    expect(embeddingTokens('502 Bad Gateway')).toEqual(['5xx', 'bad', 'gateway']);
    expect(embeddingTokens('404 on /api/orders')).toContain('4xx');
  });

  it('masks variables, drops stop words and numbers, and stems', () => {
    expect(embeddingTokens('queries boxes patches restarted lagging stopped')).toEqual(['query', 'box', 'patch', 'restart', 'lag', 'stop']);
    expect(embeddingTokens('back-off')).toEqual(['backoff', 'back']);
    expect(embeddingTokens('High CPU on ip-10-0-0-1 (95%) for 10 minutes')).toEqual(['high', 'cpu', '<host>', '<pct>', 'minute']);
  });
});

describe('cosine', () => {
  it('is 1 for equal vectors, -1 for opposite ones, and refuses mismatched lengths', () => {
    expect(cosine([1, 2, 3], [1, 2, 3])).toBeCloseTo(1);
    expect(cosine([1, 0], [-1, 0])).toBeCloseTo(-1);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow(RangeError);
  });
});

describe('chunkRunbook', () => {
  const runbook = {
    id: 'rb_42',
    title: 'Investigate high CPU on a node',
    description: 'When a node runs hot.',
    tags: ['cpu', 'node'],
    steps: [
      { title: 'Find busy pods', command: 'kubectl top pods -A --sort-by=cpu', explanation: 'Busiest pods first.' },
      { title: 'Inspect processes', command: 'top -bn1', explanation: '' },
    ],
  };

  it('makes a summary chunk and one chunk per step with stable ids', () => {
    expect(chunkRunbook(runbook)).toEqual([
      { id: 'rb_42#summary', text: 'Investigate high CPU on a node\nTags: cpu, node\nWhen a node runs hot.' },
      { id: 'rb_42#step-1', text: 'Investigate high CPU on a node: Find busy pods\nBusiest pods first.\nkubectl top pods -A --sort-by=cpu' },
      { id: 'rb_42#step-2', text: 'Investigate high CPU on a node: Inspect processes\ntop -bn1' },
    ]);
  });

  it('derives ids from the title when the runbook has no id yet, the same way every time', () => {
    const { id: _id, ...withoutId } = runbook;
    const first = chunkRunbook(withoutId).map((c) => c.id);
    expect(first).toEqual(chunkRunbook(withoutId).map((c) => c.id));
    expect(first[0]).toMatch(/^runbook-[0-9a-f]{16}#summary$/);
    expect(chunkRunbook({ ...withoutId, title: 'Another' })[0]!.id).not.toBe(first[0]);
  });
});
