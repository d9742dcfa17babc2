// Pages through a time range in creation-time windows with offset paging, so each query stays within the vendor's limits.
import { ConnectorError } from './types.ts';

/** A checkpoint: plain JSON, so a backfill can store it and resume after a restart. */
export interface WindowCursor {
  windowStart: string;
  windowEnd: string;
  offset: number;
}

export interface WindowPage<Item> {
  items: Item[];
  next?: WindowCursor;
  total?: number;
  progress: number;
}

export interface FetchedPage<Item> {
  items: Item[];
  more: boolean;
  /** Matches in the whole window, when the vendor says. */
  total?: number;
}

export interface WindowedPagingOptions<Item> {
  since: string;
  until: string;
  cursor?: WindowCursor;
  windowMs: number;
  pageSize: number;
  /**
   * Highest offset + limit the API serves (PagerDuty: 10,000). A window whose total reaches it is halved before
   * paging; if it still grows past it while paging, the window restarts at the last item's creation time.
   */
  maxOffset?: number;
  fetchPage(window: { start: string; end: string }, offset: number, limit: number): Promise<FetchedPage<Item>>;
  createdAt(item: Item): string;
}

const MIN_WINDOW_MS = 1000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function parseTime(value: string, what: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ConnectorError('invalid', `${what} is not a timestamp: ${JSON.stringify(value)}`);
  return ms;
}

export async function* pageByWindows<Item>(options: WindowedPagingOptions<Item>): AsyncGenerator<WindowPage<Item>> {
  const since = parseTime(options.since, 'since');
  const until = parseTime(options.until, 'until');
  if (until <= since) return;
  const span = until - since;
  const firstWindow = (start: number) => ({ windowStart: iso(start), windowEnd: iso(Math.min(until, start + options.windowMs)), offset: 0 });
  let cursor: WindowCursor = options.cursor ?? firstWindow(since);
  const maxOffset = options.maxOffset ?? Number.POSITIVE_INFINITY;
  // Some APIs count only on a window's first page; later pages of the same window reuse that count.
  let known: { window: string; total: number } | undefined;

  for (;;) {
    const start = parseTime(cursor.windowStart, 'cursor.windowStart');
    const end = parseTime(cursor.windowEnd, 'cursor.windowEnd');
    const fetched = await options.fetchPage({ start: cursor.windowStart, end: cursor.windowEnd }, cursor.offset, options.pageSize);
    const windowKey = `${cursor.windowStart}/${cursor.windowEnd}`;
    if (fetched.total !== undefined) known = { window: windowKey, total: fetched.total };
    const page = { ...fetched, total: fetched.total ?? (known?.window === windowKey ? known.total : undefined) };

    if (cursor.offset === 0 && page.total !== undefined && page.total >= maxOffset && end - start > MIN_WINDOW_MS) {
      cursor = { windowStart: cursor.windowStart, windowEnd: iso(start + Math.floor((end - start) / 2)), offset: 0 };
      continue;
    }

    const seen = cursor.offset + page.items.length;
    let next: WindowCursor | undefined;
    if (page.more && page.items.length > 0) {
      if (seen + options.pageSize <= maxOffset) {
        next = { ...cursor, offset: seen };
      } else {
        // Items created at the last seen instant come again: upserts on the incident id make that harmless.
        const last = parseTime(options.createdAt(page.items[page.items.length - 1]!), 'createdAt');
        if (last <= start) throw new ConnectorError('invalid', `more than ${maxOffset} incidents were created at ${cursor.windowStart}; the API cannot page past them`);
        next = { windowStart: iso(last), windowEnd: cursor.windowEnd, offset: 0 };
      }
    } else if (end < until) {
      next = firstWindow(end);
    }

    const withinWindow = page.total ? Math.min(1, seen / page.total) : next && next.windowStart === cursor.windowStart ? 0 : 1;
    const done = next ? (start - since + (end - start) * withinWindow) / span : 1;
    yield { items: page.items, next, total: page.total, progress: Math.max(0, Math.min(1, done)) };
    if (!next) return;
    cursor = next;
  }
}
