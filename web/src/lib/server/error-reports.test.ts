import { describe, expect, it } from 'vitest';
import { scrubEvent, scrubText } from './error-reports';

describe('web error reports', () => {
  it('scrubs credentials in URLs, auth headers, key=value pairs, JWTs and long keys from messages', () => {
    const text = scrubText(
      'connect postgres://insights:hunter2@db:5432/x failed; Authorization: Bearer abcdefghijklmnop; api_key=sk-live-123456; ' +
        'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U and ' +
        'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4',
    );
    for (const secret of ['hunter2', 'abcdefghijklmnop', 'sk-live-123456', 'eyJhbGciOiJIUzI1NiJ9', 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('postgres://[secret]@db:5432/x');
    expect(scrubText('Cannot read properties of undefined (reading "id")')).toBe('Cannot read properties of undefined (reading "id")');
  });

  it('sends nothing about the request, and scrubs exception values', () => {
    const event = scrubEvent({
      type: undefined,
      request: { url: 'https://x/reset?token=abc', headers: { cookie: 'ii_access=secret' } },
      breadcrumbs: [{ message: 'password=x' }],
      extra: { body: 'x' },
      exception: { values: [{ type: 'Error', value: 'login failed for password=hunter2', stacktrace: { frames: [{ filename: 'a.js', vars: { token: 'x' }, context_line: 'const password = "x"' }] } }] },
    });
    expect(event.request).toBeUndefined();
    expect(event.breadcrumbs).toBeUndefined();
    expect(event.extra).toBeUndefined();
    expect(event.exception!.values![0]!.value).toBe('login failed for password=[secret]');
    expect(event.exception!.values![0]!.stacktrace!.frames![0]).toEqual({ filename: 'a.js' });
  });
});
