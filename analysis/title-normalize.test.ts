import { describe, expect, it } from 'vitest';
import { ENTITY_MARK, normalizeTitle } from './title-normalize.ts';

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
