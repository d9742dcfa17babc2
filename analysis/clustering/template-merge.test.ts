import { describe, expect, it } from 'vitest';
import { splitTokens } from './masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS, type MergingSettings } from './settings.ts';
import { conceptsConflict, mergeTemplates, templateConcepts, type TemplateProfile } from './template-merge.ts';
import { normalizeTitle } from './title-normalize.ts';
import { compileMasker } from './masking.ts';

function profile(template: string, extra: Partial<TemplateProfile> & { service?: string; source?: string } = {}): TemplateProfile {
  return {
    tokens: splitTokens(template),
    count: 10,
    services: extra.service ? new Map([[extra.service, 10]]) : new Map(),
    sources: extra.source ? new Map([[extra.source, 10]]) : new Map(),
    ...(extra.embedding ? { embedding: extra.embedding } : {}),
  };
}

const merge = (profiles: TemplateProfile[], settings: Partial<MergingSettings> = {}) =>
  mergeTemplates(profiles, { ...DEFAULT_CLUSTERING_SETTINGS.merging, ...settings });

const together = (result: ReturnType<typeof merge>, a: number, b: number) => result.groupOf[a] === result.groupOf[b];

describe('template merging', () => {
  it('merges a word slot that takes many values and shows it as <*>', () => {
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const result = merge(users.map((u) => profile(`session closed for user ${u}`)));
    expect(new Set(result.groupOf).size).toBe(1);
    expect(result.displayTokens[0]!.join(' ')).toBe('session closed for user <*>');
  });

  it('keeps a word slot with few values apart (an enum, not a variable)', () => {
    const states = ['Started', 'Stopped', 'Paused'];
    const result = merge(states.map((s) => profile(`VM ${s} (Lifecycle Event)`)));
    expect(new Set(result.groupOf).size).toBe(3);
  });

  it('keeps a slot of product names apart: "Postgresql down" and "RabbitMQ down" are two problems', () => {
    const products = ['Postgresql', 'RabbitMQ', 'Redis', 'Kafka', 'MySQL', 'Memcached'];
    const result = merge(products.map((p) => profile(`${p} down (instance <HOST>:<NUM>)`)));
    expect(new Set(result.groupOf).size).toBe(products.length);
    // Services are names, whatever words they hold (`search`, `auth`): the same slot of them is one problem.
    const services = ['search', 'auth', 'checkout', 'ledger', 'payments'];
    const same = merge(services.map((s) => profile(`${s} pods crashlooping in <*>`)));
    expect(new Set(same.groupOf).size).toBe(1);
  });

  it('does not treat short messages as a slot in a context', () => {
    const words = ['running', 'blocked', 'active', 'starting', 'closing'];
    const result = merge(words.map((w) => profile(w)));
    expect(new Set(result.groupOf).size).toBe(5);
  });

  it('merges near-duplicate wordings of one alert from the same service and source', () => {
    const result = merge([
      profile('High CPU on <HOST> (<PCT>)', { service: 'api', source: 'alertmanager' }),
      profile('CPU usage high on <HOST> (<PCT>)', { service: 'api', source: 'alertmanager' }),
      profile('Pod <POD> OOMKilled', { service: 'api', source: 'alertmanager' }),
      profile('Pod <POD> was OOMKilled', { service: 'api', source: 'alertmanager' }),
      profile('Disk pressure on <HOST>', { service: 'db', source: 'pagerduty' }),
      profile('Replication lag <DURATION> on <HOST>', { service: 'db', source: 'pagerduty' }),
      // Other alerts of the account share words with them, as on a real pager.
      profile('Memory usage <PCT> on <HOST>', { service: 'db', source: 'pagerduty' }),
      profile('Disk usage above <PCT> on <HOST>', { service: 'db', source: 'pagerduty' }),
      profile('Memory high on <HOST> (<PCT>)', { service: 'db', source: 'pagerduty' }),
    ]);
    expect(together(result, 0, 1)).toBe(true);
    expect(together(result, 2, 3)).toBe(true);
    expect(together(result, 0, 2)).toBe(false);
  });

  it('merges one problem worded by different tools, whatever their service and source', () => {
    const mask = compileMasker(DEFAULT_CLUSTERING_SETTINGS.masking);
    const title = (text: string, extra: { service?: string; source?: string }) => ({
      ...profile('x', extra),
      tokens: mask.maskTokens(normalizeTitle(text)),
    });
    const result = merge([
      title('[FIRING:1] NodeFilesystemAlmostOutOfSpace db-3 /var', { service: 'db', source: 'alertmanager' }),
      title('Disk usage above 90% on /var (db-3)', { service: 'orders', source: 'pagerduty' }),
      title('db-3: filesystem /var will fill within 4h', { service: 'search', source: 'opsgenie' }),
      title('ALARM: "db-3-disk-usage-high" in US East (N. Virginia)', { source: 'webhook' }),
      // Hard negatives: the same resource with another condition, another resource with the same condition.
      title('Disk latency high on /var (db-3)', { service: 'db', source: 'pagerduty' }),
      title('Memory usage above 90% on db-3', { service: 'db', source: 'pagerduty' }),
      title('Inode usage high on db-3', { service: 'db', source: 'pagerduty' }),
    ]);
    expect(together(result, 0, 1)).toBe(true);
    expect(together(result, 0, 2)).toBe(true);
    expect(together(result, 0, 3)).toBe(true);
    for (const other of [4, 5, 6]) expect(together(result, 0, other)).toBe(false);
  });

  it('never merges wordings whose subjects or conditions differ, whatever the evidence', () => {
    const bag = (text: string) => templateConcepts(splitTokens(text));
    expect(conceptsConflict(bag('HTTP 5xx error rate high on <*>'), bag('p99 latency high on <*>'))).toBe(true);
    expect(conceptsConflict(bag('PostgreSQL down on <HOST>'), bag('MySQL down on <HOST>'))).toBe(true);
    expect(conceptsConflict(bag('Backup sync enabled on <HOST>'), bag('Backup sync not enabled on <HOST>'))).toBe(true);
    // A broader subject is not a conflict: "Database down" may be PostgreSQL's.
    expect(conceptsConflict(bag('Database down on <HOST>'), bag('PostgreSQL down on <HOST>'))).toBe(false);
  });

  it('merges wordings that met on one entity within minutes again and again, when nothing conflicts', () => {
    const profiles = [profile('KubeDeploymentReplicasMismatch <*>'), profile('Deployment <*> has 2/5 replicas available')];
    const met = { get: () => 10, pairs: (): Array<[number, number]> => [[0, 1]] };
    expect(together(merge(profiles), 0, 1)).toBe(false);
    expect(together(mergeTemplates(profiles, DEFAULT_CLUSTERING_SETTINGS.merging, { cooccurrence: met }), 0, 1)).toBe(true);
    const conflicting = [profile('High error rate on <*>'), profile('p99 latency high on <*>')];
    expect(together(mergeTemplates(conflicting, DEFAULT_CLUSTERING_SETTINGS.merging, { cooccurrence: met }), 0, 1)).toBe(false);
    // Pods on one side, machines on the other: a cascade (a node went, its pods followed), not one problem.
    const cascade = [profile('Pod <POD> not ready'), profile('<HOST> has been unready for <NUM> minutes')];
    expect(together(mergeTemplates(cascade, DEFAULT_CLUSTERING_SETTINGS.merging, { cooccurrence: met }), 0, 1)).toBe(false);
  });

  it('treats a name known as an entity elsewhere as a parameter', () => {
    const result = mergeTemplates(
      [profile('iowait through the roof on jenkins'), profile('iowait through the roof on bastion')],
      DEFAULT_CLUSTERING_SETTINGS.merging,
      { entityValues: new Set(['jenkins', 'bastion']) },
    );
    expect(together(result, 0, 1)).toBe(true);
    expect(result.displayTokens[0]!.join(' ')).toBe('iowait through the roof on <*>');
  });

  it('merges wordings that differ only in order or in the units of a value', () => {
    const result = merge([
      profile('<HOST> close, <NUM> bytes sent, <NUM> bytes received, lifetime <NUM>:<NUM>'),
      profile('<HOST> close, <NUM> bytes (<NUM> KB) sent, <NUM> bytes received, lifetime <<NUM> sec'),
      profile('Disk pressure on <HOST>'),
      profile('<HOST> disk pressure'),
    ]);
    expect(together(result, 0, 1)).toBe(true);
    expect(together(result, 2, 3)).toBe(true);
  });

  it('never merges a replaced word on text alone, even through a chain of similar templates', () => {
    const result = merge([
      profile('The change in focus caused us to need to do a layout begin'),
      profile('The change in focus caused us to need to do a layout end'),
      profile('The change in focus caused us to need to do a layout'),
    ]);
    expect(together(result, 0, 1)).toBe(false);
  });

  it('lets embeddings judge replaced words the lexicon does not know, when they are injected', () => {
    const near = [1, 0.02, 0];
    const far = [0, 0, 1];
    const result = merge([
      profile('Ledger reconciliation stuck on <HOST>', { embedding: near }),
      profile('Ledger reconciliation hanging on <HOST>', { embedding: near }),
      profile('Ledger export finished on <HOST>', { embedding: far }),
    ]);
    expect(together(result, 0, 1)).toBe(true);
    expect(together(result, 0, 2)).toBe(false);
    const withoutEmbeddings = merge([profile('Ledger reconciliation stuck on <HOST>'), profile('Ledger reconciliation hanging on <HOST>')]);
    expect(together(withoutEmbeddings, 0, 1)).toBe(false);
  });

  it('reads synonyms the operations lexicon knows without embeddings', () => {
    const result = merge([profile('Database connection timeout to <IP>'), profile('Database connection timed out to <IP>')]);
    expect(together(result, 0, 1)).toBe(true);
  });

  it('does nothing when merging is disabled', () => {
    const result = merge([profile('Disk pressure on <HOST>'), profile('<HOST> disk pressure')], { enabled: false });
    expect(result.groupOf).toEqual([0, 1]);
  });

  it('compares templates by their concepts: lexicon concepts, qualifiers, and unknown words as written', () => {
    const bag = templateConcepts(splitTokens('Pod <POD> was OOMKilled after <NUM> KB'));
    expect([...bag.keys()].sort()).toEqual(['memory', 'oom', 'pod', 'w:after']);
    // A compound token the lexicon cannot read keeps its identity (log events differ by a flag or a function name).
    expect([...templateConcepts(splitTokens('animateCollapsePanels force=false')).keys()].sort()).toEqual(['w:animatecollapsepanels', 'w:force=false']);
  });
});
