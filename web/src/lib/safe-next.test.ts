import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

describe('safeNext', () => {
  it('keeps paths on this site with their query and fragment', () => {
    expect(safeNext('/jobs/1?x=2#top')).toBe('/jobs/1?x=2#top');
    expect(safeNext('/invitations/accept?token=a.b')).toBe('/invitations/accept?token=a.b');
  });

  it('sends everything else home: other sites, protocol-relative, backslashes, control characters', () => {
    for (const hostile of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'javascript:alert(1)', '/%09/evil.example/../']) {
      const next = safeNext(hostile);
      expect(new URL(next, 'http://this.site').origin, String(hostile)).toBe('http://this.site');
    }
    expect(safeNext('/\t/evil.example')).toBe('/');
  });
});
