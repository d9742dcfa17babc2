// The colour theme a user chose (light, dark or the system's), kept in a cookie so the server paints the first frame right.

export type Theme = 'light' | 'dark' | 'system';

export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];
export const THEME_COOKIE = 'ii_theme';
const YEAR = 365 * 24 * 3600;

/** Anything else in the cookie (tampered, an older format) falls back to following the system. */
export function parseTheme(value: string | undefined | null): Theme {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** What `<meta name="color-scheme">` says, so native controls and scrollbars match before any CSS loads. */
export function colorScheme(theme: Theme): string {
  return theme === 'system' ? 'light dark' : theme;
}

/** Applies a choice in the browser at once and remembers it for the server's next render. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', colorScheme(theme));
  const secure = location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${THEME_COOKIE}=${theme}; path=/; max-age=${YEAR}; samesite=lax${secure}`;
}

/** The theme actually painted: a `system` choice resolved through the media query (charts need a concrete one). */
export function effectiveTheme(): 'light' | 'dark' {
  const chosen = parseTheme(document.documentElement.dataset.theme);
  if (chosen !== 'system') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
