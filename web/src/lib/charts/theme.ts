// Chart colours from the page's theme: the CSS custom properties in effect where the chart is drawn (so a theme that
// swaps them swaps the charts too), with a colour-blind-friendly palette for light and dark as the fallback.

export interface ChartTheme {
  dark: boolean;
  text: string;
  muted: string;
  grid: string;
  surface: string;
  /** A colour by key: `series-0` … `series-7`, `sev-P1` … `sev-P5`, `status-<status>`, `accent`. */
  color: (key: string) => string;
}

const LIGHT: Record<string, string> = {
  'series-0': '#4338ca', 'series-1': '#0e7490', 'series-2': '#c2410c', 'series-3': '#7e22ce',
  'series-4': '#15803d', 'series-5': '#a16207', 'series-6': '#be185d', 'series-7': '#475569', 'series-other': '#94a3b8',
  'sev-P1': '#b42318', 'sev-P2': '#e8590c', 'sev-P3': '#d4a106', 'sev-P4': '#2563eb', 'sev-P5': '#64748b',
  'status-triggered': '#b42318', 'status-acknowledged': '#d97706', 'status-resolved': '#15803d',
  accent: '#4338ca',
};
const DARK: Record<string, string> = {
  'series-0': '#8b8cf8', 'series-1': '#22d3ee', 'series-2': '#fb923c', 'series-3': '#c084fc',
  'series-4': '#4ade80', 'series-5': '#facc15', 'series-6': '#f472b6', 'series-7': '#94a3b8', 'series-other': '#64748b',
  'sev-P1': '#ff6b6b', 'sev-P2': '#ff9f43', 'sev-P3': '#ffd43b', 'sev-P4': '#74a8ff', 'sev-P5': '#94a3b8',
  'status-triggered': '#ff6b6b', 'status-acknowledged': '#fbbf24', 'status-resolved': '#4ade80',
  accent: '#8b8cf8',
};

/** Relative luminance of an `rgb(r, g, b)` string (what getComputedStyle returns for colours). */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => Number(v) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function readTheme(el: Element): ChartTheme {
  const style = getComputedStyle(el);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  // Light text on the page means a dark theme, whatever mechanism (media query, class, attribute) switched it.
  const dark = luminance(style.color) > 0.5;
  const palette = dark ? DARK : LIGHT;
  return {
    dark,
    text: v('--text', dark ? '#eceef4' : '#1b1b24'),
    muted: v('--muted', dark ? '#a3a7b7' : '#5c5f6e'),
    grid: v('--border', dark ? '#2e3140' : '#dfe1ea'),
    surface: v('--surface', dark ? '#1a1c24' : '#ffffff'),
    color: (key) => v(`--chart-${key}`, palette[key] ?? palette['series-7']),
  };
}

/** Calls `onChange` whenever the theme may have changed: the system setting, or a class/attribute/style on html/body. */
export function watchTheme(onChange: () => void): () => void {
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', onChange);
  const observer = new MutationObserver(onChange);
  for (const el of [document.documentElement, document.body]) observer.observe(el, { attributes: true, attributeFilter: ['class', 'data-theme', 'style'] });
  return () => {
    media.removeEventListener('change', onChange);
    observer.disconnect();
  };
}

/** The same colour, translucent (for fills under lines). */
export function withAlpha(color: string, alpha: number): string {
  const hex = color.match(/^#([0-9a-f]{6})$/i)?.[1];
  if (!hex) return color;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
