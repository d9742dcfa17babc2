// Masking of variable tokens (addresses, ids, hosts, numbers, ...) so that incidents from one template look alike.
import { MASK_KINDS, type MaskKind, type MaskingSettings } from './settings.ts';
import { ENTITY_MARK } from './title-normalize.ts';

/** Placeholder written for each built-in kind; IPv4 and IPv6 share one so that a template does not split on family. */
export const MASK_PLACEHOLDERS: Record<MaskKind, string> = {
  url: '<URL>',
  email: '<EMAIL>',
  uuid: '<UUID>',
  timestamp: '<TS>',
  label: '<VALUE>',
  region: '<REGION>',
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

// Keys whose value names an entity, in `key:value` tags and `key=value` labels.
const ENTITY_KEY_PATTERNS = String.raw`kube_[a-z_]+|[a-z]+_?name|[a-z]+_id`;
const ENTITY_KEYS = [
  'host', 'hostname', 'instance', 'pod', 'pod_name', 'namespace', 'kube_namespace', 'exported_namespace', 'service', 'service_name',
  'svc', 'app', 'job', 'job_name', 'cronjob', 'queue', 'queue_name', 'queuename', 'topic', 'bucket', 'region', 'zone',
  'availability-zone', 'cluster', 'cluster_name', 'container', 'container_name', 'deployment', 'statefulset', 'daemonset', 'node',
  'db', 'database', 'datname', 'table', 'consumergroup', 'consumer_group', 'group', 'function', 'functionname', 'function_name',
  'team', 'endpoint', 'route', 'mountpoint', 'device', 'volume', 'persistentvolumeclaim', 'pvc', 'url', 'domain', 'site',
].join('|');

// Azure names its regions without separators or digits, so only a list knows them.
const AZURE_REGIONS = new Set(
  [
    'eastus eastus2 westus westus2 westus3 centralus northcentralus southcentralus westcentralus canadacentral canadaeast',
    'brazilsouth brazilsoutheast mexicocentral northeurope westeurope uksouth ukwest francecentral francesouth germanywestcentral',
    'germanynorth norwayeast norwaywest swedencentral switzerlandnorth switzerlandwest polandcentral italynorth spaincentral',
    'eastasia southeastasia japaneast japanwest koreacentral koreasouth australiaeast australiasoutheast australiacentral',
    'centralindia southindia westindia uaenorth uaecentral southafricanorth qatarcentral israelcentral',
  ]
    .join(' ')
    .split(' '),
);
const AZURE_REGION_TOKEN = /^([("'[]*)([a-z0-9]+)([)"',.:;\]]*)$/;

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
  // the value of an entity's label or tag: `host:db-3`, `namespace=payments`, `queue:"orders"` (Datadog tags,
  // Prometheus labels), whatever its shape; keys are lower-case as those tools write them
  label: String.raw`(?<=(?:^|[\s{(\[,])(?:${ENTITY_KEYS}|${ENTITY_KEY_PATTERNS})[=:]"?)[^\s,;)\]}"=]+`,
  region: [
    // AWS regions and zones: us-east-1, eu-central-2, us-gov-west-1, us-east-1a
    String.raw`(?<![\w-])(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso)?-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)-\d[a-f]?(?![\w-])`,
    // Google Cloud regions and zones: us-central1, europe-west4, asia-southeast1-b
    String.raw`(?<![\w-])(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)\d{1,2}(?:-[a-f])?(?![\w-])`,
  ].join('|'),
  ipv6: [
    String.raw`(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])`,
    String.raw`(?<![\w:])(?=[0-9a-f:]*[0-9a-f])(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}(?![\w:])`,
  ].join('|'),
  ipv4: String.raw`(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\d)`,
  mac: String.raw`(?<![\w:-])(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}(?![\w:-])`,
  // (a sentence's full stop after it is punctuation, not a domain)
  pod: String.raw`(?<![\w.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-(?=${K8S}{0,9}\d)${K8S}{8,10}(?:-${K8S}{5})?(?![\w-]|\.\w)`,
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
  // (not `500s`, `503s`: HTTP status codes in the plural)
  duration: String.raw`(?<![\w.])(?![45]\d\ds(?![A-Za-z0-9]))(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d)){1,4}(?![A-Za-z0-9])`,
  size: String.raw`(?<![\w.])\d+(?:\.\d+)?(?:[kmgtp]i?b|bytes?)(?![A-Za-z0-9])`,
  percent: String.raw`(?<![\w.])[-+]?\d+(?:\.\d+)?%`,
  number: String.raw`(?<![A-Za-z0-9.])[-+]?\d+(?:\.\d+)*(?![A-Za-z0-9])`,
};

/** Turns incident text into masked tokens; compiled once per settings object and reused for every incident. */
export interface Masker {
  /** Masked tokens of `text`, one per whitespace-separated raw token. */
  maskTokens(text: string): string[];
  /**
   * The same tokens without a copy of their own: the array may be the memo's, shared with every other call for the
   * same text, so it is only to be read (the mining loop of a recluster reads millions).
   */
  maskTokensForReading(text: string): readonly string[];
}

interface CompiledCustomMask {
  regex: RegExp;
  placeholder: string;
}

// Without one of these characters no built-in mask can match, so most word tokens skip the regular expression.
const MAY_NEED_MASK = /[0-9/@\\.]/;
const HAS_KEY_SEPARATOR = /[a-z][:=]./;

export function compileMasker(settings: MaskingSettings): Masker {
  const kinds = MASK_KINDS.filter((kind) => !settings.disabled.includes(kind));
  const combinedKinds = kinds.filter((kind) => kind !== 'label');
  const combined = combinedKinds.length > 0 ? new RegExp(combinedKinds.map((k) => `(${BUILTIN_SOURCES[k]})`).join('|'), 'gi') : null;
  const placeholders = combinedKinds.map((k) => MASK_PLACEHOLDERS[k]);
  const custom: CompiledCustomMask[] = settings.custom.map((mask) => ({
    regex: new RegExp(mask.pattern, `g${mask.flags ?? ''}`),
    placeholder: mask.placeholder ?? `<${mask.name.toUpperCase()}>`,
  }));

  const idIndex = combinedKinds.indexOf('id');
  const afterId = idIndex === -1 ? [] : combinedKinds.slice(idIndex + 1);
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

  const maskAzure = kinds.includes('region');
  // Keys are matched as tools write them (lower case), so a log's `Function=int` is not a tag.
  const labelValues = kinds.includes('label') ? new RegExp(BUILTIN_SOURCES.label, 'g') : null;
  const maskToken = (token: string): string => {
    let out = token;
    for (const mask of custom) out = out.replace(mask.regex, mask.placeholder);
    if (labelValues !== null && HAS_KEY_SEPARATOR.test(out)) out = out.replace(labelValues, MASK_PLACEHOLDERS.label);
    if (combined !== null && MAY_NEED_MASK.test(out)) out = out.replace(combined, replaceBuiltin);
    if (maskAzure && out.length >= 6 && out.length <= 26 && !out.includes('<')) {
      const parts = AZURE_REGION_TOKEN.exec(out);
      if (parts !== null && AZURE_REGIONS.has(parts[2]!)) out = `${parts[1]}<REGION>${parts[3]}`;
    }
    return out;
  };

  // A token masks the same way wherever it appears, and a title the same way each time it comes again (alerts fire
  // again and again; logs repeat their lines): each distinct token and line goes through the regular expressions once
  // while the memos have room. Maskers compiled from equal settings share their memos.
  const memo = memosFor(settings);
  const maskTokenOnce = (token: string): string => {
    let out = memo.tokens.get(token);
    if (out === undefined) {
      out = maskToken(token);
      if (memo.tokens.size >= TOKEN_MEMO_SIZE) memo.tokens.clear();
      memo.tokens.set(token, out);
    }
    return out;
  };

  const maskDateWords = kinds.includes('timestamp');
  const maskLabels = kinds.includes('label');
  const maskLine = (text: string): string[] => {
    const tokens = splitTokens(text);
    let values: Set<string> | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const raw = tokens[i]!;
      if (maskLabels && raw.includes(ENTITY_MARK)) {
        (values ??= new Set()).add(entityCore(raw.slice(raw.indexOf(ENTITY_MARK) + 1)));
        tokens[i] = raw.replace(MARKED_VALUE, MASK_PLACEHOLDERS.label);
        continue;
      }
      tokens[i] = maskTokenOnce(raw);
      if (maskLabels && tokens[i]!.includes(MASK_PLACEHOLDERS.label)) {
        const value = LABEL_VALUE.exec(raw);
        if (value !== null) (values ??= new Set()).add(entityCore(value[1]!));
      }
    }
    // A word that repeats a tag's or label's value in the same title is that entity too: "DynamoDB sessions
    // throttled on tablename:sessions" → "DynamoDB <VALUE> throttled on tablename:<VALUE>".
    if (values !== undefined) {
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        if (token.includes('<')) continue;
        const core = entityCore(token);
        if (core.length >= 2 && values.has(core)) tokens[i] = token.replace(CORE, MASK_PLACEHOLDERS.label);
      }
    }
    if (maskDateWords) maskDayAndMonthNames(tokens);
    return tokens;
  };
  const maskRemembered = (text: string): readonly string[] => {
    if (text.length > LINE_MEMO_MAX_LENGTH) return maskLine(text);
    let tokens = memo.lines.get(text);
    if (tokens !== undefined) memo.lineHits++;
    else {
      tokens = maskLine(text);
      if (memo.lines.size >= LINE_MEMO_SIZE && memo.remembersLines) {
        // Mostly new lines (ids or values in every title): the memo stays as it is rather than churn.
        if (memo.lineHits * 4 < memo.lines.size) memo.remembersLines = false;
        else memo.lines.clear();
        memo.lineHits = 0;
      }
      if (memo.remembersLines) memo.lines.set(text, tokens);
    }
    return tokens;
  };
  return {
    // The caller owns what it gets; the memo keeps its own copy.
    maskTokens: (text) => (text.length > LINE_MEMO_MAX_LENGTH ? maskLine(text) : maskRemembered(text).slice()),
    maskTokensForReading: maskRemembered,
  };
}

interface MaskMemos {
  tokens: Map<string, string>;
  lines: Map<string, string[]>;
  /** Look-ups of `lines` that found the line since it was last cleared. */
  lineHits: number;
  remembersLines: boolean;
}

/** Memos per masking configuration (the default one, an account's custom masks), a few at most. */
const memosByConfiguration = new Map<string, MaskMemos>();
const MEMO_CONFIGURATIONS = 8;

function memosFor(settings: MaskingSettings): MaskMemos {
  const key = JSON.stringify([settings.disabled, settings.custom]);
  let memos = memosByConfiguration.get(key);
  if (memos === undefined) {
    if (memosByConfiguration.size >= MEMO_CONFIGURATIONS) memosByConfiguration.clear();
    memos = { tokens: new Map(), lines: new Map(), lineHits: 0, remembersLines: true };
    memosByConfiguration.set(key, memos);
  }
  return memos;
}

/**
 * Lines remembered per configuration, and the longest one worth remembering (a few MB at most in all). A full memo
 * starts afresh while a quarter of its lines came again, and stops growing otherwise.
 */
const LINE_MEMO_SIZE = 32_768;
const LINE_MEMO_MAX_LENGTH = 256;
/** Distinct tokens remembered per configuration; each memo starts afresh when full. */
const TOKEN_MEMO_SIZE = 65_536;

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
  for (let i = 0; i < tokens.length; i++) {
    if (!isDateWord(tokens[i])) continue;
    if (besideDate(tokens[i - 1]) || besideDate(tokens[i + 1])) tokens[i] = '<TS>';
  }
}

function isDateWord(t: string | undefined): boolean {
  // Every name is 3 to 9 letters (a comma may follow) and starts with a capital: most tokens fail that at once.
  if (t === undefined || t.length < 3 || t.length > 10) return false;
  const first = t.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  return DATE_WORDS.has(t.endsWith(',') ? t.slice(0, -1) : t);
}

function besideDate(t: string | undefined): boolean {
  return t !== undefined && (DATE_NEIGHBOUR.test(t) || isDateWord(t));
}

function looksLikeId(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits * 3 >= text.length;
}

const MARKED_VALUE = new RegExp(`${ENTITY_MARK}[^\\s)\\]},;]+`, 'g');
const LABEL_VALUE = /[=:]"?([^\s,;)\]}"=]+)/;
const CORE = /[A-Za-z0-9][^\s]*[A-Za-z0-9]|[A-Za-z0-9]/;
/** A value without the punctuation around it, lower-cased: what a repetition of it is compared by. */
function entityCore(value: string): string {
  return (CORE.exec(value)?.[0] ?? '').toLowerCase();
}

/** Whitespace-separated raw tokens, the unit masking and template mining work on. */
export function splitTokens(text: string): string[] {
  // The same tokens as `text.trim().split(/\s+/)`, without the regular expression: ASCII whitespace is told by its
  // code, anything else beyond ASCII by `\s` itself.
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || (c >= 128 && WHITESPACE_CHAR.test(text[i]!));
    if (space) {
      if (start !== -1) {
        tokens.push(text.slice(start, i));
        start = -1;
      }
    } else if (start === -1) start = i;
  }
  if (start !== -1) tokens.push(start === 0 ? text : text.slice(start));
  return tokens;
}
const WHITESPACE_CHAR = /^\s$/;

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
