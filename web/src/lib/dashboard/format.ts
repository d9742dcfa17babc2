// Labels for the dashboard: bucket starts as people read them, changes against the previous period, durations.
import type { Bucket } from './types';

const UTC = 'UTC';

export function bucketLabel(iso: string, bucket: Bucket): string {
  const d = new Date(iso);
  if (bucket === 'hour') return d.toLocaleString('en-GB', { timeZone: UTC, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const day = d.toLocaleDateString('en-GB', { timeZone: UTC, day: 'numeric', month: 'short' });
  return bucket === 'week' ? `Week of ${day}` : day;
}

export function rangeLabel(from: string, to: string): string {
  const opts: Intl.DateTimeFormatOptions = { timeZone: UTC, day: 'numeric', month: 'short', year: 'numeric' };
  return `${new Date(from).toLocaleDateString('en-GB', opts)} – ${new Date(to).toLocaleDateString('en-GB', opts)}`;
}

/** The change from `previous` to `current` as a whole percentage; null when there is nothing to compare with. */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null) return null;
  if (previous === 0) return current === 0 ? 0 : null;
  return Math.round((current / previous - 1) * 100);
}

/** A duration on an axis or in a tooltip: 45 s, 12 min, 3.5 h, 2.1 d. */
export function shortDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${Number((seconds / 3600).toFixed(1))} h`;
  return `${Number((seconds / 86_400).toFixed(1))} d`;
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** Every start of weekday `day` (0 = Monday) at `hour` UTC inside [from, to), newest first (a heatmap cell's hours). */
export function occurrences(day: number, hour: number, from: string, to: string, max = 60): { from: string; to: string }[] {
  const start = new Date(from).getTime();
  const end = new Date(to).getTime();
  const out: { from: string; to: string }[] = [];
  const last = new Date(end);
  // The latest hour slot at or before `end` on the right weekday and hour.
  last.setUTCMinutes(0, 0, 0);
  last.setUTCHours(hour);
  const weekday = (last.getUTCDay() + 6) % 7;
  last.setUTCDate(last.getUTCDate() - ((weekday - day + 7) % 7));
  if (last.getTime() >= end) last.setUTCDate(last.getUTCDate() - 7);
  for (let t = last.getTime(); t + 3_600_000 > start && out.length < max; t -= 7 * 86_400_000) {
    out.push({ from: new Date(Math.max(t, start)).toISOString(), to: new Date(Math.min(t + 3_600_000, end)).toISOString() });
  }
  return out;
}
