// Which theme colour a series gets: severities and statuses keep their meaning, anything else takes the palette in
// order, and "Other" and "(none)" stay grey.
import type { GroupBy } from './types';

export const OTHER_KEY = '__other__';
/** The incident filter's value for "not set" (a service, team or cluster list holding it matches incidents with none). */
export const NONE = '__none__';

export function seriesColor(groupBy: GroupBy, key: string | null, index: number): string {
  if (key === OTHER_KEY) return 'series-other';
  if (key === null) return 'series-7';
  if (groupBy === 'severity' && /^P[1-5]$/.test(key)) return `sev-${key}`;
  if (groupBy === 'status' && ['triggered', 'acknowledged', 'resolved'].includes(key)) return `status-${key}`;
  return `series-${index % 7}`;
}
