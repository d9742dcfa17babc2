// How incidents read on screen: durations, severity and status colours (CSS custom properties, so both themes work).

/** A duration for people, to two units: 45 s, 12 min, 3 h 5 min, 2 d 4 h; '–' when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export type Tone = 'down' | 'warn' | 'info' | 'ok' | 'muted';

/** P1 red, P2 amber, P3 blue, lower grey: the tone names the app.css colour pair (--down and --down-bg, ...). */
export function severityTone(severity: string | null | undefined): Tone {
  switch (severity) {
    case 'P1': return 'down';
    case 'P2': return 'warn';
    case 'P3': return 'info';
    default: return 'muted';
  }
}

export function statusTone(status: string | null | undefined): Tone {
  switch (status) {
    case 'triggered': return 'down';
    case 'acknowledged': return 'warn';
    case 'resolved': return 'ok';
    default: return 'muted';
  }
}

/** A date and time in the reader's locale and zone. */
export const formatTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '–');

/** Timeline entry types as words. */
export function timelineLabel(type: string): string {
  const known: Record<string, string> = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved', note: 'Note', notes: 'Note', reopened: 'Reopened', escalated: 'Escalated', assigned: 'Assigned' };
  return known[type] ?? type.charAt(0).toUpperCase() + type.slice(1).replace(/[_-]/g, ' ');
}
