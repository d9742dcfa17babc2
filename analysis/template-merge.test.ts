import { describe, expect, it } from 'vitest';
import { splitTokens } from './masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS, type MergingSettings } from './settings.ts';
import { mergeTemplates, templateWords, type TemplateProfile } from './template-merge.ts';

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

  it('keeps different wordings apart when service and source differ', () => {
    const result = merge([
      profile('High CPU on <HOST> (<PCT>)', { service: 'api', source: 'alertmanager' }),
      profile('CPU usage high on <HOST> (<PCT>)', { service: 'search', source: 'pagerduty' }),
    ]);
    expect(together(result, 0, 1)).toBe(false);
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

  it('lets embeddings judge replaced words (synonyms) when they are injected', () => {
    const near = [1, 0.02, 0];
    const far = [0, 0, 1];
    const db = { service: 'orders', source: 'alertmanager' };
    const result = merge([
      profile('Database connection timeout to <IP>', { ...db, embedding: near }),
      profile('Database connection timed out to <IP>', { ...db, embedding: near }),
      profile('Database backup finished on <HOST>', { ...db, embedding: far }),
    ]);
    expect(together(result, 0, 1)).toBe(true);
    expect(together(result, 0, 2)).toBe(false);
    const withoutEmbeddings = merge([
      profile('Database connection timeout to <IP>', db),
      profile('Database connection timed out to <IP>', db),
    ]);
    expect(together(withoutEmbeddings, 0, 1)).toBe(false);
  });

  it('does nothing when merging is disabled', () => {
    const result = merge([profile('Disk pressure on <HOST>'), profile('<HOST> disk pressure')], { enabled: false });
    expect(result.groupOf).toEqual([0, 1]);
  });

  it('compares templates by their content words', () => {
    expect(templateWords(splitTokens('Pod <POD> was OOMKilled after <NUM> KB'))).toEqual(['after', 'oomkilled', 'pod']);
  });
});
