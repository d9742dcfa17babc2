// The browser's recent uncaught errors, kept in a small ring buffer so a problem report can carry them.
import type { Diagnostics } from './support-types';

/** One error as a problem report's diagnostics carry it. */
export type ClientError = NonNullable<Diagnostics['recentErrors']>[number];

/** The API takes at most 20; older ones matter less than the ones right before the report. */
export const MAX_ERRORS = 20;
const MAX_MESSAGE = 500;

const errors: ClientError[] = [];
let installed = false;

export function recordError(message: string, url?: string, at: Date = new Date()): void {
  errors.push({ message: message.slice(0, MAX_MESSAGE) || 'Unknown error', at: at.toISOString(), ...(url ? { url } : {}) });
  if (errors.length > MAX_ERRORS) errors.splice(0, errors.length - MAX_ERRORS);
}

export function recentErrors(): ClientError[] {
  return errors.slice();
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/** Listens once per page load: window errors and unhandled promise rejections. */
export function captureClientErrors(): void {
  if (installed || typeof window === 'undefined') return;
  installed = true;
  window.addEventListener('error', (event) => {
    recordError(event.error ? describe(event.error) : event.message, location.pathname);
  });
  window.addEventListener('unhandledrejection', (event) => {
    recordError(`Unhandled rejection: ${describe(event.reason)}`, location.pathname);
  });
}
