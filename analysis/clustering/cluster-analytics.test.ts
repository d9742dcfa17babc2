import { describe, expect, it } from 'vitest';
import { analyseClusters } from './cluster-analytics.ts';
import { describeTemplate, hasPlaceholderToken, nameCluster, patternTemplate, readableTemplate, slotValuesText } from './cluster-label.ts';
import { compileTemplatePattern } from './template-pattern.ts';
import { normalizeTitle } from './title-normalize.ts';
import { compileMasker } from './masking.ts';
import { DEFAULT_CLUSTERING_SETTINGS } from './settings.ts';
import type { ClusterIncident } from './cluster-model.ts';
import { splitTokens } from './masking.ts';
import { recluster } from './recluster.ts';

const DAY = 86_400_000;
const start = Date.UTC(2025, 3, 1);
const at = (ms: number) => new Date(ms).toISOString();

/** CPU alerts rising over 30 days with a burst on day 20; disk alerts steady; ack after 2–11 min, resolve after 1–10 h. */
function incidents(): ClusterIncident[] {
  const list: ClusterIncident[] = [];
  let n = 0;
  for (let day = 0; day < 30; day++) {
    const cpu = 1 + Math.floor(day / 3) + (day === 20 ? 40 : 0);
    for (let k = 0; k < cpu; k++) {
      const created = start + day * DAY + k * 60_000;
      list.push({
        id: `cpu-${n++}`,
        title: `High CPU on ip-10-2-3-${k % 9} (${94 + (k % 6)}%)`,
        service: k % 4 === 0 ? 'search' : 'api',
        createdAt: at(created),
        acknowledgedAt: at(created + (2 + (k % 10)) * 60_000),
        resolvedAt: at(created + (1 + (k % 10)) * 3_600_000),
      });
    }
    for (let k = 0; k < 3; k++) {
      list.push({ id: `disk-${n++}`, title: `Disk pressure on batch-node-${1 + ((day * 3 + k) % 17)}`, service: 'batch', createdAt: at(start + day * DAY + k * 3_600_000) });
    }
  }
  return list;
}

describe('cluster analytics', () => {
  const data = incidents();
  const { assignments } = recluster({ incidents: data });
  const analytics = analyseClusters(data, assignments);
  const cpu = analytics.find((a) => a.template.startsWith('High CPU'))!;
  const disk = analytics.find((a) => a.template.startsWith('Disk pressure'))!;

  it('counts size, first and last seen, and every day of the window', () => {
    expect(cpu.size).toBe(data.filter((i) => i.id.startsWith('cpu')).length);
    expect(cpu.firstSeen).toBe('2025-04-01T00:00:00.000Z');
    expect(disk.lastSeen).toBe(at(start + 29 * DAY + 2 * 3_600_000));
    expect(disk.incidentsPerDay).toHaveLength(30);
    expect(disk.incidentsPerDay.every((d) => d.count === 3)).toBe(true);
    expect(cpu.incidentsPerDay[20]).toEqual({ day: '2025-04-21', count: 1 + 6 + 40 });
  });

  it('tests the trend with the shared definition: rising for CPU, steady for disk', () => {
    // 30 days of data, the last (day 29, "today") left out: 14 days against the 14 before.
    expect(cpu.trend).toMatchObject({ direction: 'rising', days: 14, test: 'mann-whitney-u' });
    expect(cpu.trend.recent).toEqual({ from: '2025-04-16T00:00:00.000Z', to: '2025-04-30T00:00:00.000Z', count: cpu.incidentsPerDay.slice(15, 29).reduce((n, d) => n + d.count, 0) });
    expect(disk.trend).toMatchObject({ direction: 'steady', change: 0 });
  });

  it('flags the burst day as a spike of its own cluster only', () => {
    expect(cpu.spikes.map((s) => s.day)).toEqual(['2025-04-21']);
    expect(disk.spikes).toEqual([]);
  });

  it('reports MTTA and MTTR as median and p90, and none when unknown', () => {
    expect(cpu.mtta!.medianSeconds).toBeGreaterThanOrEqual(120);
    expect(cpu.mtta!.p90Seconds).toBeGreaterThan(cpu.mtta!.medianSeconds);
    expect(cpu.mtta!.p90Seconds).toBeLessThanOrEqual(11 * 60);
    expect(cpu.mttr!.medianSeconds).toBeGreaterThanOrEqual(3600);
    expect(cpu.mttr!.count).toBe(cpu.size);
    expect(disk.mtta).toBeNull();
  });

  it('lists the top services', () => {
    expect(cpu.topServices.map((s) => s.service)).toEqual(['api', 'search']);
    expect(disk.topServices).toEqual([{ service: 'batch', count: 90 }]);
  });

  it('names clusters in words: entities in braces with their commonest values, numbers as a range', () => {
    expect(cpu.label).toBe('High CPU on {host} (94–99%)');
    expect(cpu.labelSlots).toEqual([expect.objectContaining({ name: 'host', distinct: 9 })]);
    expect(disk.label).toBe('Disk pressure on {host}');
    for (const c of [cpu, disk]) expect(hasPlaceholderToken(c.label)).toBe(false);
  });
});

describe('names', () => {
  const mask = compileMasker(DEFAULT_CLUSTERING_SETTINGS.masking);
  const describe_ = (template: string, titles: string[]) => describeTemplate(splitTokens(template), titles.map((t) => splitTokens(normalizeTitle(t))));

  it('spells out a value all incidents share and lists the commonest of many', () => {
    expect(describe_('Deploy of <*> failed', ['Deploy of checkout failed', 'Deploy of checkout failed']).label).toBe('Deploy of checkout failed');
    const hosts = ['web-01', 'web-07', 'web-01', 'web-02', 'web-03', 'web-01', 'web-07'];
    const named = describe_('High CPU on <HOST> (<PCT>)', hosts.map((h, i) => `High CPU on ${h} (${90 + i}%)`));
    expect(named.label).toBe('High CPU on {host} (90–96%)');
    expect(slotValuesText(named.slots[0]!)).toBe('web-01, web-07 and 2 more');
  });

  it('reads every placeholder of a token, and calls a slot holding the incidents’ own service {service}', () => {
    const titles = [95, 97, 99].map((n) => `Database connections ${n}/100 on pg-primary-1`);
    expect(describe_('Database connections <NUM>/<NUM> on <HOST>', titles).label).toBe('Database connections 95–99/100 on pg-primary-1');
    const named = describeTemplate(splitTokens('HTTP 5xx rate <PCT> on <*>'), [
      { tokens: splitTokens('HTTP 5xx rate 5% on checkout-api'), service: 'checkout-api' },
      { tokens: splitTokens('HTTP 5xx rate 9% on search-api'), service: 'search-api' },
    ]);
    expect(named.label).toBe('HTTP 5xx rate 5–9% on {service}');
  });

  it('names a slot from the noun beside it or the tag it came from, and drops the tags tools append', () => {
    expect(readableTemplate('Messages waiting in queue <*> for <DURATION>')).toBe('Messages waiting in queue {queue} for {duration}');
    expect(readableTemplate('Container OOMKilled in <VALUE> on kube_deployment:<VALUE> kube_namespace:<VALUE>')).toBe('Container OOMKilled in {name}');
    expect(readableTemplate('Lambda <VALUE> error rate high on functionname:<VALUE>')).toBe('Lambda {function} error rate high');
  });

  it('prefers the wording people write over an alert identifier when choosing the template', () => {
    const titles = (text: string, n: number) => Array.from({ length: n }, () => mask.maskTokens(normalizeTitle(text)));
    const name = nameCluster([
      { template: 'NodeFilesystemAlmostOutOfSpace (<VALUE> <VALUE> )', count: 12, rawTokenLists: titles('[FIRING:1] NodeFilesystemAlmostOutOfSpace (db-3 /var)', 1) },
      { template: 'Disk usage above <PCT> on <PATH> (<HOST>)', count: 9, rawTokenLists: [splitTokens('Disk usage above 91% on /var (db-3)'), splitTokens('Disk usage above 95% on /data (db-4)')] },
    ]);
    expect(name.label).toBe('Disk usage above 91–95% on {path} ({host})');
  });

  it('writes a template back as a split pattern people read, which still fits its incidents', () => {
    const pattern = patternTemplate('Disk usage is high on <VALUE> on host:<VALUE> (<PCT>)');
    expect(pattern).toBe('Disk usage is high on {name} on host:{host} ({percent})');
    expect(hasPlaceholderToken(pattern)).toBe(false);
    const fits = compileTemplatePattern(pattern);
    expect(fits(splitTokens('Disk usage is high on <VALUE> on host:<VALUE> (<PCT>)'))).toBe(true);
  });

  it('never leaves a placeholder token, a wildcard or a numbered range in a name', () => {
    for (const template of ['<*> close, <NUM> bytes sent', 'Job <ID> failed', 'Disk pressure on batch-node-<*>', '<HOST> high in <REGION>']) {
      expect(hasPlaceholderToken(readableTemplate(template))).toBe(false);
    }
    expect(hasPlaceholderToken('Disk pressure on batch-node-{1..40}')).toBe(true);
  });
});
