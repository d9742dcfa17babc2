import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELD_OUT_FAMILIES } from './families-held-out.ts';
import { TUNING_FAMILIES } from './families-tuning.ts';
import { INCIDENTS_FILE, LABELS_FILE, generateIncidentTitles } from './generate.ts';

describe('incident-title generator', () => {
  const first = generateIncidentTitles();

  it('writes the same bytes on every run', () => {
    const second = generateIncidentTitles();
    expect(second.incidents).toBe(first.incidents);
    expect(second.labels).toBe(first.labels);
  });

  it('matches the committed data files (re-run the generator after changing a family)', () => {
    if (!existsSync(INCIDENTS_FILE) || !existsSync(LABELS_FILE)) return;
    expect(readFileSync(INCIDENTS_FILE, 'utf8')).toBe(first.incidents);
    expect(readFileSync(LABELS_FILE, 'utf8')).toBe(first.labels);
  });

  it('meets the benchmark’s shape: 60+ families, 15+ held out from several areas, 8,000+ incidents, small families ≥ 8', () => {
    expect(TUNING_FAMILIES.length + HELD_OUT_FAMILIES.length).toBeGreaterThanOrEqual(60);
    expect(HELD_OUT_FAMILIES.length).toBeGreaterThanOrEqual(15);
    expect(new Set(HELD_OUT_FAMILIES.map((f) => f.area)).size).toBeGreaterThanOrEqual(8);
    expect(first.summary.incidents).toBeGreaterThanOrEqual(8000);
    const labels = first.labels.trim().split('\n').map((line) => JSON.parse(line) as { family: string; held_out: boolean });
    const sizes = new Map<string, number>();
    for (const l of labels) sizes.set(l.family, (sizes.get(l.family) ?? 0) + 1);
    expect(sizes.size).toBe(TUNING_FAMILIES.length + HELD_OUT_FAMILIES.length);
    expect(Math.min(...sizes.values())).toBeGreaterThanOrEqual(8);
    for (const family of [...TUNING_FAMILIES, ...HELD_OUT_FAMILIES]) expect(Object.keys(family.phrasings).length).toBeGreaterThanOrEqual(3);
    expect(first.summary.multiToolShare).toBeGreaterThan(0.4);
    expect(first.summary.multiToolShare).toBeLessThan(0.6);
  });

  it('keeps labels out of the engine’s input and lines the two files up by id, in time order', () => {
    const incidents = first.incidents.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const labels = first.labels.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(incidents.length).toBe(labels.length);
    for (const [i, incident] of incidents.entries()) {
      expect(Object.keys(incident).every((k) => ['id', 'title', 'source', 'service', 'created_at'].includes(k))).toBe(true);
      expect(labels[i]!.id).toBe(incident.id);
      if (i > 0) expect(String(incident.created_at) >= String(incidents[i - 1]!.created_at)).toBe(true);
    }
  });
});
