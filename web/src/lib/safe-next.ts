// Where a page may send the user next: only somewhere on this site.

/**
 * Where to go after signing in: only a path on this site. Parsed as a browser would (which drops tabs and newlines
 * and reads `\\` as `/`), so `/\t/evil.example` or `//evil.example` cannot lead elsewhere.
 */
export function safeNext(raw: string | null): string {
  if (!raw || !raw.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(raw)) return '/';
  const base = 'http://this.site';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
