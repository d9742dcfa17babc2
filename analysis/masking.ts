// Masking of variable tokens (addresses, ids, hosts, numbers, ...) so that incidents from one template look alike.
import { MASK_KINDS, type MaskKind, type MaskingSettings } from './settings.ts';

/** Placeholder written for each built-in kind; IPv4 and IPv6 share one so that a template does not split on family. */
export const MASK_PLACEHOLDERS: Record<MaskKind, string> = {
  url: '<URL>',
  email: '<EMAIL>',
  uuid: '<UUID>',
  timestamp: '<TS>',
  ipv6: '<IP>',
  ipv4: '<IP>',
  mac: '<MAC>',
  pod: '<POD>',
  host: '<HOST>',
  path: '<PATH>',
  hex: '<HEX>',
  id: '<ID>',
  duration: '<DURATION>',
  size: '<SIZE>',
  percent: '<PCT>',
  number: '<NUM>',
};

// Kubernetes names pod-template hashes and pod suffixes from this alphabet (no vowels, no 0/1/3), which keeps
// ordinary hyphenated words such as `payments-service` from looking like pods.
const K8S = '[bcdfghjklmnpqrstvwxz2456789]';

// Generic and common country top-level domains, plus private ones; file extensions such as .py or .sh are left out
// on purpose so that `deploy.sh` stays a word.
const TOP_LEVEL_DOMAINS = [
  'com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'io', 'dev', 'app', 'cloud', 'ai',
  'local', 'localdomain', 'internal', 'intranet', 'lan', 'corp', 'home', 'svc', 'cluster',
  'cn', 'hk', 'tw', 'jp', 'kr', 'uk', 'de', 'fr', 'nl', 'be', 'ch', 'at', 'it', 'es', 'se', 'no', 'dk', 'fi',
  'pl', 'cz', 'ru', 'ua', 'eu', 'us', 'ca', 'br', 'au', 'nz', 'za', 'sg',
].join('|');

/**
 * Sources of the built-in masks. Each is matched inside one whitespace-separated token, so masking never changes
 * the token count (labels rely on that to line raw values up with template slots). Groups are non-capturing:
 * the masker wraps each source in one capturing group to know which kind matched.
 */
const BUILTIN_SOURCES: Record<MaskKind, string> = {
  url: String.raw`\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+`,
  email: String.raw`\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+`,
  uuid: String.raw`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`,
  timestamp: [
    String.raw`\b\d{4}-\d{2}-\d{2}(?:[T_]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])`,
    String.raw`(?<![\d:])\d{1,2}:\d{2}(?::\d{2})(?:[.,]\d+)?(?![\d:])`,
    String.raw`(?<![\w/])\d{1,4}\/\d{1,2}\/\d{2,4}(?![\w/])`,
  ].join('|'),
  ipv6: [
    String.raw`(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])`,
    String.raw`(?<![\w:])(?=[0-9a-f:]*[0-9a-f])(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}(?![\w:])`,
  ].join('|'),
  ipv4: String.raw`(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\d)`,
  mac: String.raw`(?<![\w:-])(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}(?![\w:-])`,
  pod: String.raw`(?<![\w.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-(?=${K8S}{0,9}\d)${K8S}{8,10}(?:-${K8S}{5})?(?![\w.-])`,
  host: [
    // dash-separated names with a number somewhere: ip-10-2-3-4, batch-node-17, db-3.prod.example.com
    String.raw`(?<![\w.-])(?=[a-z0-9.-]*\d)[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?:\.[a-z][a-z0-9-]*)*(?![\w-])`,
    // numbered first label of a domain name: web01.example.com, node17.cluster.local
    String.raw`(?<![\w.-])[a-z][a-z-]*\d+[a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+(?::\d{1,5})?(?![\w-])`,
    // domain names under a well-known top-level domain, with an optional port: www.google.com:443, db.prod.internal
    // (not followed by `.word`, so Java packages such as org.apache.hadoop.io.compress stay words)
    String.raw`(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:${TOP_LEVEL_DOMAINS})(?:\.[a-z]{2})?(?::\d{1,5})?(?![\w-]|\.[a-z])`,
  ].join('|'),
  path: [
    String.raw`(?<![\w.:/])(?:~|\.{1,2})?(?:\/[\w.@%+~,-]+)+\/?`,
    String.raw`(?<![\w])[a-z]:\\[^\s"'<>|]*`,
  ].join('|'),
  hex: [
    String.raw`(?<!\w)0x[0-9a-f]+(?!\w)`,
    String.raw`(?<!\w)(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?!\w)`,
  ].join('|'),
  // random-looking identifiers mixing letters and many digits (mail queue ids, request ids): jA9J1UvC004306
  // (at least a third of them digits, checked in ID_SHAPE, so class names such as IO80211Controller stay words)
  id: String.raw`(?<![\w-])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8,}(?![\w-])`,
  duration: String.raw`(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d)){1,4}(?![A-Za-z0-9])`,
  size: String.raw`(?<![\w.])\d+(?:\.\d+)?(?:[kmgtp]i?b|bytes?)(?![A-Za-z0-9])`,
  percent: String.raw`(?<![\w.])[-+]?\d+(?:\.\d+)?%`,
  number: String.raw`(?<![A-Za-z0-9.])[-+]?\d+(?:\.\d+)*(?![A-Za-z0-9])`,
};

/** Turns incident text into masked tokens; compiled once per settings object and reused for every incident. */
export interface Masker {
  /** Masked tokens of `text`, one per whitespace-separated raw token. */
  maskTokens(text: string): string[];
}

interface CompiledCustomMask {
  regex: RegExp;
  placeholder: string;
}

// Without one of these characters no built-in mask can match, so most word tokens skip the regular expression.
const MAY_NEED_MASK = /[0-9/@\\.]/;
const WHITESPACE = /\s+/;

export function compileMasker(settings: MaskingSettings): Masker {
  const kinds = MASK_KINDS.filter((kind) => !settings.disabled.includes(kind));
  const combined = kinds.length > 0 ? new RegExp(kinds.map((k) => `(${BUILTIN_SOURCES[k]})`).join('|'), 'gi') : null;
  const placeholders = kinds.map((k) => MASK_PLACEHOLDERS[k]);
  const custom: CompiledCustomMask[] = settings.custom.map((mask) => ({
    regex: new RegExp(mask.pattern, `g${mask.flags ?? ''}`),
    placeholder: mask.placeholder ?? `<${mask.name.toUpperCase()}>`,
  }));

  const idIndex = kinds.indexOf('id');
  const afterId = idIndex === -1 ? [] : kinds.slice(idIndex + 1);
  const afterIdRegex = afterId.length > 0 ? new RegExp(afterId.map((k) => `(${BUILTIN_SOURCES[k]})`).join('|'), 'gi') : null;
  const afterIdPlaceholders = afterId.map((k) => MASK_PLACEHOLDERS[k]);
  const replaceAfterId = (match: string, ...groups: unknown[]): string => {
    for (let i = 0; i < afterIdPlaceholders.length; i++) if (groups[i] !== undefined) return afterIdPlaceholders[i]!;
    return match;
  };
  const replaceBuiltin = (match: string, ...groups: unknown[]): string => {
    for (let i = 0; i < placeholders.length; i++) {
      if (groups[i] === undefined) continue;
      // An id-shaped run with few digits is a name (IO80211Controller): only the later kinds may mask inside it.
      if (i === idIndex && !looksLikeId(match)) return afterIdRegex === null ? match : match.replace(afterIdRegex, replaceAfterId);
      return placeholders[i]!;
    }
    return match;
  };

  const maskToken = (token: string): string => {
    let out = token;
    for (const mask of custom) out = out.replace(mask.regex, mask.placeholder);
    if (combined !== null && MAY_NEED_MASK.test(out)) out = out.replace(combined, replaceBuiltin);
    return out;
  };

  const maskDateWords = kinds.includes('timestamp');
  return {
    maskTokens(text: string): string[] {
      const tokens = splitTokens(text);
      for (let i = 0; i < tokens.length; i++) tokens[i] = maskToken(tokens[i]!);
      if (maskDateWords) maskDayAndMonthNames(tokens);
      return tokens;
    },
  };
}

const DATE_WORDS = new Set(
  [
    'Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday',
    'Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec',
    'January February March April June July August September October November December',
  ]
    .join(' ')
    .split(' '),
);
const DATE_NEIGHBOUR = /^<(?:NUM|TS)>,?$/;

/**
 * Day and month names are parts of a timestamp only beside a number, a time or each other ("Sun Jul 24 02:38:22"),
 * so "May" in "May cause data loss" stays a word.
 */
function maskDayAndMonthNames(tokens: string[]): void {
  const isDateWord = (t: string | undefined): boolean => t !== undefined && DATE_WORDS.has(t.endsWith(',') ? t.slice(0, -1) : t);
  for (let i = 0; i < tokens.length; i++) {
    if (!isDateWord(tokens[i])) continue;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const besideDate = (t: string | undefined) => t !== undefined && (DATE_NEIGHBOUR.test(t) || isDateWord(t));
    if (besideDate(prev) || besideDate(next)) tokens[i] = '<TS>';
  }
}

function looksLikeId(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits * 3 >= text.length;
}

/** Whitespace-separated raw tokens, the unit masking and template mining work on. */
export function splitTokens(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(WHITESPACE);
}

const PLACEHOLDER_TOKEN = /^<[A-Z][A-Z0-9_-]*>$|^<\*>$/;
const HAS_PLACEHOLDER = /<[A-Z][A-Z0-9_-]*>|<\*>/;
const HAS_DIGIT = /\d/;

/** Whether a masked token is exactly one placeholder such as `<IP>` or the generic `<*>`. */
export function isPlaceholderToken(token: string): boolean {
  return token.charCodeAt(0) === 60 /* < */ && PLACEHOLDER_TOKEN.test(token);
}

/** Whether a masked token carries a placeholder anywhere, such as `(<PCT>)` or `<IP>:<NUM>`. */
export function hasPlaceholder(token: string): boolean {
  return token.includes('<') && HAS_PLACEHOLDER.test(token);
}

export function hasDigit(token: string): boolean {
  return HAS_DIGIT.test(token);
}
