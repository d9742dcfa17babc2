import { describe, expect, it } from 'vitest';
import { compileMasker } from './masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS, type MiningSettings } from './settings.ts';
import {
  addIncidentTokens,
  createTemplateMiner,
  loadTemplateMiner,
  matchIncidentTokens,
  serializeTemplateMiner,
  wordSignature,
} from './template-miner.ts';

const masker = compileMasker(DEFAULT_CLUSTERING_SETTINGS.masking);

function mine(titles: string[], mining: Partial<MiningSettings> = {}) {
  const miner = createTemplateMiner({ ...DEFAULT_CLUSTERING_SETTINGS.mining, ...mining }, true);
  const ids = titles.map((t) => addIncidentTokens(miner, masker.maskTokens(t)).group.id);
  return { miner, ids, templates: miner.groups.map((g) => g.tokens.join(' ')) };
}

describe('template mining', () => {
  it('keeps a common key while values alternate, and gives it up for another key', () => {
    const steps = ['conn port=1 open now', 'conn port=10.0.0.1 open now', 'conn port=2 open now', 'conn port=3 open now'];
    expect(mine(steps).templates).toEqual(['conn port=<*> open now']);
    expect(mine([...steps, 'conn host=10.0.0.9 open now']).templates).toEqual(['conn <*> open now']);
  });

  it('mines the same templates when it remembers where shared token arrays went', () => {
    // Lines that come again, interleaved with lines that create and generalise templates at the same leaves.
    const words = ['alpha', 'beta', 'gamma', 'delta', 'user=root', 'user=guest', 'rhost=10.0.0.1', 'rhost=db-3', '42', '7%', 'x86_64'];
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    const texts = Array.from({ length: 400 }, () => {
      const length = 3 + (next() % 4);
      return Array.from({ length }, (_, i) => (i < 2 ? ['Session', 'Login', 'Job'][next() % 3]! : words[next() % words.length]!)).join(' ');
    });
    const stream = Array.from({ length: 5000 }, () => texts[next() % texts.length]!);
    const plain = createTemplateMiner(DEFAULT_CLUSTERING_SETTINGS.mining, true);
    const remembering = createTemplateMiner(DEFAULT_CLUSTERING_SETTINGS.mining, true);
    const shared = new Map<string, readonly string[]>();
    for (const text of stream) {
      const tokens = shared.get(text) ?? masker.maskTokens(text);
      shared.set(text, tokens);
      const a = addIncidentTokens(plain, tokens.slice());
      const b = addIncidentTokens(remembering, tokens, true);
      expect([b.group.id, b.created, b.changed]).toEqual([a.group.id, a.created, a.changed]);
    }
    expect(serializeTemplateMiner(remembering)).toEqual(serializeTemplateMiner(plain));
  });

  it('gives incidents of one alert one template with typed placeholders', () => {
    const { ids, templates } = mine(['High CPU on ip-10-2-3-4 (94%)', 'High CPU on ip-10-2-9-7 (99%)', 'High CPU on web-3 (97%)']);
    expect(new Set(ids).size).toBe(1);
    expect(templates).toEqual(['High CPU on <HOST> (<PCT>)']);
  });

  it('generalises a position where incidents disagree on a value', () => {
    const { templates } = mine(['Queue orders backlog 5 at 10.0.0.1', 'Queue orders backlog 7 at web-2']);
    expect(templates).toEqual(['Queue orders backlog <NUM> at <*>']);
  });

  it('keeps the key of key=value tokens when only the value varies', () => {
    const { templates } = mine(['auth failure rhost=10.0.0.1 tty=ssh', 'auth failure rhost=web-9.example.com tty=ssh']);
    expect(templates).toEqual(['auth failure rhost=<*> tty=ssh']);
  });

  it('keeps incidents apart when they differ by a word, not by a value', () => {
    const { templates } = mine(['[instance: 42] VM Started (Lifecycle Event)', '[instance: 43] VM Stopped (Lifecycle Event)']);
    expect(templates).toEqual(['[instance: <NUM>] VM Started (Lifecycle Event)', '[instance: <NUM>] VM Stopped (Lifecycle Event)']);
  });

  it('keeps alert names apart when values sit inside them, also beyond a full node', () => {
    // Alertmanager subjects of one shape: an alert name, then label values. Names with a number or a measure inside
    // route to the wildcard branch, as do names beyond a full node; none of them may turn into a bare `<*>`.
    const names = ['MongodbReplicationStatus6', 'MongodbReplicationStatus8', 'OracleDbTablespaceFull(>95%)', 'HaproxyDown', 'RabbitmqDown', 'PostgresqlBloatTableHigh(>80%)'];
    const titles = names.flatMap((name) => [1, 2].map((n) => `${name} (<VALUE> web-${n}:9100 critical)`));
    for (const maxChildren of [100, 2]) {
      const { ids, templates } = mine(titles, { maxChildren });
      expect(templates.every((t) => !t.startsWith('<*> ')), templates.join('\n')).toBe(true);
      // The two numbered replication alerts are one name with a number; every other name is its own template.
      expect(new Set(ids).size).toBe(5);
    }
  });

  it('keeps HTTP 4xx and 5xx apart, as two words', () => {
    const { templates } = mine(['High 5xx rate on checkout 12%', 'High 4xx rate on checkout 3%', 'High 5xx rate on checkout 40%', 'Http5xxErrorRate high (checkout)', 'Http4xxErrorRate high (checkout)']);
    expect(templates).toEqual(['High 5xx rate on checkout <PCT>', 'High 4xx rate on checkout <PCT>', 'Http5xxErrorRate high (checkout)', 'Http4xxErrorRate high (checkout)']);
  });

  it('still takes different keys with values as one parameter after the first token', () => {
    const { templates } = mine(['setState overlapAmount:10, done', 'setState release:lock=42, done', 'setState overlapAmount:12, done']);
    expect(templates).toHaveLength(1);
  });

  it('merges them like Drain when the word rule is switched off', () => {
    const titles = ['[instance: 42] VM Started (Lifecycle Event)', '[instance: 43] VM Stopped (Lifecycle Event)'];
    const { templates } = mine(titles, { splitOnWordDifference: false });
    expect(templates).toEqual(['[instance: <NUM>] VM <*> (Lifecycle Event)']);
  });

  it('separates incidents of different lengths and below the similarity threshold', () => {
    const { templates } = mine(['Disk full on web-1', 'Disk full on web-1 again', 'Node web-1 unreachable now']);
    expect(templates).toHaveLength(3);
  });

  it('routes unseen first tokens to a wildcard branch once a node is full', () => {
    const titles = Array.from({ length: 10 }, (_, i) => `alpha${'abcdefghij'[i]} service degraded`);
    const { miner } = mine(titles, { maxChildren: 3 });
    const lengthNode = miner.byLength.get(3)!;
    expect(lengthNode.children.size).toBeLessThanOrEqual(4);
    expect(lengthNode.children.has('<*>')).toBe(true);
  });

  it('reads a word signature without placeholders, digits or punctuation', () => {
    expect(wordSignature('rhost=<IP>')).toBe('rhost');
    expect(wordSignature('an14')).toBe('an');
    expect(wordSignature('<NUM>')).toBe('');
  });

  it('survives a round trip through plain JSON and keeps matching', () => {
    const { miner } = mine(['High CPU on web-1 (94%)', 'Disk pressure on batch-node-3', 'Pod api-7d4b9c8f5-x2k9p OOMKilled']);
    const reloaded = loadTemplateMiner(JSON.parse(JSON.stringify(serializeTemplateMiner(miner))));
    expect(reloaded.groups).toEqual(miner.groups);
    const match = matchIncidentTokens(reloaded, masker.maskTokens('Disk pressure on batch-node-9'));
    expect(match?.tokens.join(' ')).toBe('Disk pressure on <HOST>');
    expect(matchIncidentTokens(reloaded, masker.maskTokens('Something entirely new here'))).toBeUndefined();
  });
});
