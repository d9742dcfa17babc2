// Turning an API failure into what a form shows: a message, and the message for each field it names.
import { fail } from '@sveltejs/kit';
import { ApiError } from './api';

export function formFailure(err: unknown, values: Record<string, string>) {
  if (err instanceof ApiError) {
    const fields: Record<string, string> = {};
    for (const d of err.body.details) {
      if (!d.field || fields[d.field]) continue;
      // `body.password must be ...` reads as `Must be ...` under the Password field.
      const own = d.message.startsWith(`${d.in ?? 'body'}.${d.field} `) ? d.message.slice(`${d.in ?? 'body'}.${d.field} `.length) : d.message;
      fields[d.field] = own.charAt(0).toUpperCase() + own.slice(1);
    }
    return fail(err.status >= 500 ? 503 : err.status, { values, error: err.body.message, fields });
  }
  throw err;
}

export { safeNext } from '../safe-next';
