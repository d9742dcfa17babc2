import { describe, expect, it } from 'vitest';
import { pageByWindows, type FetchedPage } from './windowed-paging.ts';

const HOUR = 3_600_000;
const start = Date.parse('2025-01-01T00:00:00Z');

/** Items one per `spacingMs`, served with offset paging like PagerDuty (offset + limit ≤ maxOffset, else an error). */
function fakeApi(count: number, spacingMs: number, maxOffset = Number.POSITIVE_INFINITY) {
  const items = Array.from({ length: count }, (_, i) => ({ id: i, created: new Date(start + i * spacingMs).toISOString() }));
  const windows: string[] = [];
  const fetchPage = async (window: { start: string; end: string }, offset: number, limit: number): Promise<FetchedPage<(typeof items)[number]>> => {
    if (offset + limit > maxOffset) throw new Error(`offset ${offset} + limit ${limit} is past ${maxOffset}`);
    windows.push(`${window.start}/${window.end}@${offset}`);
    const inWindow = items.filter((i) => i.created >= window.start && i.created < window.end);
    return { items: inWindow.slice(offset, offset + limit), more: offset + limit < inWindow.length, total: inWindow.length };
  };
  return { items, fetchPage, windows };
}

describe('windowed offset paging', () => {
  it('walks adjacent windows and returns every item once', async () => {
    const api = fakeApi(250, HOUR / 2);
    const seen: number[] = [];
    for await (const page of pageByWindows({ since: new Date(start).toISOString(), until: new Date(start + 200 * HOUR).toISOString(), windowMs: 24 * HOUR, pageSize: 10, fetchPage: api.fetchPage, createdAt: (i) => i.created })) {
      seen.push(...page.items.map((i) => i.id));
    }
    expect(seen).toEqual(api.items.map((i) => i.id));
  });

  it('halves a window whose total reaches the offset limit before paging it', async () => {
    const api = fakeApi(120, 60_000, 50);
    const seen: number[] = [];
    for await (const page of pageByWindows({ since: new Date(start).toISOString(), until: new Date(start + 4 * HOUR).toISOString(), windowMs: 4 * HOUR, pageSize: 10, maxOffset: 50, fetchPage: api.fetchPage, createdAt: (i) => i.created })) {
      seen.push(...page.items.map((i) => i.id));
    }
    expect(new Set(seen).size).toBe(120);
    expect(seen).toHaveLength(120);
  });

  it('restarts at the last seen creation time when a window grows past the limit while paging', async () => {
    const api = fakeApi(80, 60_000, 50);
    // The API reports no total, so the window cannot be split up front.
    const fetchPage = async (w: { start: string; end: string }, offset: number, limit: number) => ({ ...(await api.fetchPage(w, offset, limit)), total: undefined });
    const seen = new Set<number>();
    for await (const page of pageByWindows({ since: new Date(start).toISOString(), until: new Date(start + 4 * HOUR).toISOString(), windowMs: 4 * HOUR, pageSize: 10, maxOffset: 50, fetchPage, createdAt: (i) => i.created })) {
      for (const i of page.items) seen.add(i.id);
    }
    expect(seen.size).toBe(80);
  });

  it('yields an empty range as nothing', async () => {
    const api = fakeApi(0, HOUR);
    const pages = [];
    for await (const page of pageByWindows({ since: new Date(start).toISOString(), until: new Date(start).toISOString(), windowMs: HOUR, pageSize: 10, fetchPage: api.fetchPage, createdAt: (i) => i.created })) pages.push(page);
    expect(pages).toEqual([]);
  });
});
