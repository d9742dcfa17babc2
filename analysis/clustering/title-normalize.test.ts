import { describe, expect, it } from 'vitest';
import { recluster } from './recluster.ts';
import { ENTITY_MARK, MAX_TITLE_CHARS, normalizeTitle } from './title-normalize.ts';

const plain = (title: string) => normalizeTitle(title).split(ENTITY_MARK).join('');

describe('title normalisation', () => {
  it('takes CloudWatch’s wrapper off and names the region by its code', () => {
    expect(plain('ALARM: "db-3-disk-usage-high" in US East (N. Virginia)')).toBe('db-3 disk usage high in us-east-1');
  });

  it('splits an alarm named <resource>-<MetricName> into the resource and the metric', () => {
    expect(plain('ALARM: "E1X9KD0PZ7T3AB-5xxErrorRate" in EU (Ireland)')).toBe('E1X9KD0PZ7T3AB 5xxErrorRate in eu-west-1');
    expect(plain('ALARM: "pdf-renderer-Errors" in EU (Frankfurt)')).toBe('pdf-renderer Errors in eu-central-1');
    expect(plain('orders-RunningTaskCount')).toBe('orders RunningTaskCount');
  });

  it('leaves names of things whole: lower-case pairs, numbered hosts, pods', () => {
    for (const name of ['webhook-retries', 'payment-events', 'payments-api', 'kube-system', 'db-3', 'checkout-7d4b9c8f5-x2k9p']) {
      expect(plain(`Queue stuck on ${name}`)).toBe(`Queue stuck on ${name}`);
    }
  });

  it('moves a Datadog scope to the end and drops status prefixes', () => {
    expect(plain('[Triggered on {host:db-3}] Disk space is running low on db-3')).toBe('Disk space is running low on db-3 on host:db-3');
    expect(plain('[FIRING:2] HostOutOfMemory (10.0.0.1:9100 node-exporter warning)')).toBe('HostOutOfMemory (10.0.0.1:9100 node-exporter)');
  });
});

describe('title normalisation against crafted titles', () => {
  // Both patterns once had a repeated group that backtracked exponentially on a run of capitals: a title like these,
  // sent by a webhook, held the worker for hours. They must come back (within the test's time-out) and read right.
  it('reads long runs of capitals in alert and alarm names without backtracking', () => {
    const capitals = 'A'.repeat(80);
    expect(plain(`[FIRING:1] Aa${capitals}! (db-3 warning)`)).toBe(`Aa${capitals}! (db-3)`);
    expect(plain(`[FIRING:1] Aa${capitals} (db-3 warning)`)).toBe(`Aa${capitals} (db-3)`);
    expect(plain(`a-Aa${capitals}!`)).toBe(`a-Aa${capitals}!`);
    // Read as a metric name, but no problem the lexicon knows: left whole.
    expect(plain(`orders-Aa${capitals}`)).toBe(`orders-Aa${capitals}`);
    expect(plain(`orders-ErrorRate${capitals}`)).toBe(`orders ErrorRate${capitals}`);
  });
});

describe('titles sent to wear the engine down', () => {
  // Webhook bodies may be a megabyte: a title is read up to MAX_TITLE_CHARS, and the patterns that read tokens are
  // linear, so these come back (within the test's time-out) with an answer.
  it('reads only the start of a huge title, and clusters huge tokens without backtracking', () => {
    expect(normalizeTitle(`Disk full on db-3${' '.repeat(100_000)}x)`)).toBe('Disk full on db-3');
    const closing = normalizeTitle(`[FIRING:1] KubeFoo ${')'.repeat(100_000)}x`);
    expect(closing.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    const huge = ['a.'.repeat(50_000), `${'a+'.repeat(50_000)}1`, `${'1.'.repeat(50_000)}a`, `${'a1-'.repeat(33_000)}_`, `x${'A'.repeat(100_000)}_`];
    const result = recluster({ incidents: huge.flatMap((title, i) => [{ id: `${i}-a`, title }, { id: `${i}-b`, title }]) });
    expect(result.assignments).toHaveLength(huge.length * 2);
    for (let i = 0; i < huge.length; i++) expect(result.assignments[2 * i]!.clusterId).toBe(result.assignments[2 * i + 1]!.clusterId);
  });
});
