import { describe, expect, it } from 'vitest';
import { generatePrometheusIncidents, readPrometheusRules } from './generate.ts';

describe('Prometheus alert-rule incidents', () => {
  it('are the same on every run, eight per rule, both names of each rule', () => {
    const rules = readPrometheusRules();
    expect(rules.length).toBeGreaterThan(900);
    const a = generatePrometheusIncidents(rules);
    expect(generatePrometheusIncidents(rules).incidents).toBe(a.incidents);
    expect(a.ids).toHaveLength(rules.length * 8);
    const lines = a.incidents.trim().split('\n').map((l) => JSON.parse(l) as { title: string });
    const host = rules.find((r) => r.alert === 'HostOutOfMemory')!;
    const key = `${host.exporter}#${host.alert}`;
    const titles = lines.filter((_, i) => a.rules[i] === key).map((l) => l.title);
    expect(titles).toHaveLength(8);
    expect(titles.filter((t) => t.startsWith('[FIRING:1] HostOutOfMemory ('))).toHaveLength(4);
    expect(titles.filter((t) => /^Host out of memory \(instance \S+\)$/.test(t))).toHaveLength(4);
    expect(lines.every((l) => !l.title.includes('{{'))).toBe(true);
  });
});
