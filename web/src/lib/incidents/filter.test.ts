import { describe, expect, it } from 'vitest';
import { apiQuery, emptyFilter, isEmptyFilter, matchPreset, presetRange, readFilter, writeFilter } from './filter';
import { formatDuration, severityTone } from './format';

describe('the incident filter in a URL', () => {
  it('reads repeated keys as lists and drops blanks and duplicates', () => {
    const filter = readFilter(new URLSearchParams('service=api&service=db&service=api&severity=P1&q=+disk+&team=&from=2024-01-01T00:00:00.000Z'));
    expect(filter.service).toEqual(['api', 'db']);
    expect(filter.severity).toEqual(['P1']);
    expect(filter.team).toEqual([]);
    expect(filter.q).toBe('disk');
    expect(filter.from).toBe('2024-01-01T00:00:00.000Z');
    expect(filter.to).toBeUndefined();
  });

  it('writes the filter back the same way, keeping other parameters and dropping the cursor', () => {
    const base = new URLSearchParams('sort=-severity&cursor=abc&service=old');
    const params = writeFilter({ ...emptyFilter(), service: ['api', 'db'], status: ['resolved'], q: 'disk' }, base);
    expect(params.getAll('service')).toEqual(['api', 'db']);
    expect(params.get('sort')).toBe('-severity');
    expect(params.has('cursor')).toBe(false);
    expect(readFilter(params)).toEqual({ ...emptyFilter(), service: ['api', 'db'], status: ['resolved'], q: 'disk' });
  });

  it('passes only the filter and the named extra keys to the API', () => {
    expect(apiQuery(new URLSearchParams('service=api&view=1&sort=-mttr&cursor=x'), ['sort']).toString()).toBe('service=api&sort=-mttr');
  });

  it('knows an empty filter', () => {
    expect(isEmptyFilter(readFilter(new URLSearchParams('sort=created')))).toBe(true);
    expect(isEmptyFilter(readFilter(new URLSearchParams('cluster=c1')))).toBe(false);
  });

  it('turns a preset into absolute times that still match it within the hour, and not after', () => {
    const now = Date.parse('2024-05-01T10:00:30Z');
    const range = presetRange('7d', now);
    expect(range.to).toBe('2024-05-01T10:01:00.000Z');
    expect(range.from).toBe('2024-04-24T10:01:00.000Z');
    expect(matchPreset(range.from, range.to, now + 60_000)).toBe('7d');
    expect(matchPreset(range.from, range.to, now + 2 * 3_600_000)).toBeNull();
    expect(matchPreset(undefined, range.to, now)).toBeNull();
  });
});

describe('incident formatting', () => {
  it('writes durations to two units', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3_900)).toBe('1 h 5 min');
    expect(formatDuration(7_200)).toBe('2 h');
    expect(formatDuration(2 * 86_400 + 4 * 3_600 + 59)).toBe('2 d 4 h');
  });

  it('colours P1 as down and P2 as a warning', () => {
    expect(severityTone('P1')).toBe('down');
    expect(severityTone('P2')).toBe('warn');
    expect(severityTone('P5')).toBe('muted');
  });
});
