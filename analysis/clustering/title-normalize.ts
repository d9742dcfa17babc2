// Incident titles as the engine reads them: what alerting tools wrap around a title ("[FIRING:2]", "[Triggered on
// {host:db-3}]", "ALARM: \"…\" in US East (N. Virginia)", "P1:") is taken off, so one problem reported by several tools
// (or by one tool as it fires and resolves) reads alike, and names shown to people carry the problem, not the wrapper.
import { memoize } from './memo.ts';
import { conceptKind, conceptParents, conceptsOfWords, findConcepts, tokenWords } from './ops-lexicon.ts';

/**
 * Marks a token the title's format says is an entity's value (an Alertmanager label value, a Datadog tag value):
 * the masker turns it into `<VALUE>`, and whatever shows raw values strips the mark. A private-use character that
 * input never legitimately holds (it is removed from titles first).
 */
export const ENTITY_MARK = '\uE000';
const ENTITY_MARKS = /\uE000/g;

// Status and severity words tools put in brackets or before a colon at the start of a title.
const STATUS_WORDS = String.raw`(?:firing|resolved|alerting|pending|no ?data|triggered|re-?triggered|renotify|recovered|warn|warning|alert|critical|crit|info|ok|p[0-5]|sev(?:erity)?[ -]?[0-5])`;
const BRACKETED_STATUS = new RegExp(String.raw`^\[${STATUS_WORDS}(?:\s*:\s*\d+)?\]\s*`, 'i');
// Alertmanager's and Grafana's default subject: "[FIRING:2] <group label values> (<common label values>)".
const ALERTMANAGER_STATUS = /^\[(?:FIRING(?:\s*:\s*\d+)?|RESOLVED)\]\s/i;
// Datadog: "[Triggered on {host:db-3,env:prod}] Disk usage is high" → the scope's tags go to the end.
const DATADOG_SCOPE = new RegExp(String.raw`^\[${STATUS_WORDS}\s+on\s+\{([^}]*)\}\]\s*`, 'i');
// "ALARM: …", "CRITICAL - …", "P1: …", "Warn: …" (only followed by a separator, so a log line's first word stays).
const PREFIXED_STATUS = /^(?:ALARM|OK|INSUFFICIENT_DATA|FIRING|RESOLVED|TRIGGERED|ALERT|CRITICAL|CRIT|WARNING|WARN|Warn|Warning|Critical|Alert|P[0-5]|SEV[ -]?[0-5]|Sev[ -]?[0-5])\s*(?::|\s-|\s–)\s+/;
// Nagios and Icinga notification subjects.
const NAGIOS = /^\*\*\s*(?:PROBLEM|RECOVERY|ACKNOWLEDGEMENT|FLAPPINGSTART|CUSTOM)\s+(Service|Host)\s+Alert:\s+([^\s/]+)(?:\/(.+?))?\s+is\s+(\w+)\s*\*\*$/i;
const PARENTHESISED_PRIORITY = /^\((?:P[0-5]|SEV[ -]?[0-5])\)\s*/i;
const LEADING_PRIORITY = /^P[0-5]\s+(?=[A-Z[])/;
// `(?<!\s)`: the match starts where the spaces do (the same matches, in linear time on a long run of spaces).
const TRAILING_STATUS = /(?<!\s)\s*(?:[[(](?:P[0-5]|SEV[ -]?[0-5]|critical|warning|warn|page|info)[\])]|\s[-–]\s(?:P[0-5]|critical|warning))$/i;

// CloudWatch alarm notifications name the region in words: "ALARM: "name" in US East (N. Virginia)".
const AWS_REGION_NAMES: Readonly<Record<string, string>> = {
  'us east (n. virginia)': 'us-east-1',
  'us east (ohio)': 'us-east-2',
  'us west (n. california)': 'us-west-1',
  'us west (oregon)': 'us-west-2',
  'africa (cape town)': 'af-south-1',
  'asia pacific (hong kong)': 'ap-east-1',
  'asia pacific (hyderabad)': 'ap-south-2',
  'asia pacific (jakarta)': 'ap-southeast-3',
  'asia pacific (melbourne)': 'ap-southeast-4',
  'asia pacific (mumbai)': 'ap-south-1',
  'asia pacific (osaka)': 'ap-northeast-3',
  'asia pacific (seoul)': 'ap-northeast-2',
  'asia pacific (singapore)': 'ap-southeast-1',
  'asia pacific (sydney)': 'ap-southeast-2',
  'asia pacific (tokyo)': 'ap-northeast-1',
  'canada (central)': 'ca-central-1',
  'canada west (calgary)': 'ca-west-1',
  'eu (frankfurt)': 'eu-central-1',
  'eu (ireland)': 'eu-west-1',
  'eu (london)': 'eu-west-2',
  'eu (milan)': 'eu-south-1',
  'eu (paris)': 'eu-west-3',
  'eu (spain)': 'eu-south-2',
  'eu (stockholm)': 'eu-north-1',
  'eu (zurich)': 'eu-central-2',
  'europe (frankfurt)': 'eu-central-1',
  'europe (ireland)': 'eu-west-1',
  'europe (london)': 'eu-west-2',
  'europe (milan)': 'eu-south-1',
  'europe (paris)': 'eu-west-3',
  'europe (spain)': 'eu-south-2',
  'europe (stockholm)': 'eu-north-1',
  'europe (zurich)': 'eu-central-2',
  'israel (tel aviv)': 'il-central-1',
  'middle east (bahrain)': 'me-south-1',
  'middle east (uae)': 'me-central-1',
  'south america (sao paulo)': 'sa-east-1',
  'south america (são paulo)': 'sa-east-1',
  'aws govcloud (us-east)': 'us-gov-east-1',
  'aws govcloud (us-west)': 'us-gov-west-1',
};
const REGION_IN_WORDS = new RegExp(
  String.raw`\b(${Object.keys(AWS_REGION_NAMES)
    .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')})`,
  'gi',
);
const QUOTED_NAME = /"([^"\s]+)"/g;

/**
 * The title with tool wrappers removed: status and severity prefixes and suffixes, Datadog's scope moved to the end,
 * CloudWatch's region in words turned into its code, and alarm names that spell a problem (`db-3-disk-usage-high`)
 * split into the entity and words. Whitespace-separated tokens stay the unit; the result is the text everything
 * downstream (masking, mining, labels) works on.
 */
export function normalizeTitle(title: string): string {
  // No alert title is this long; reading only its start bounds the work a crafted one can cause in every step after.
  const text = title.length > MAX_TITLE_CHARS ? title.slice(0, MAX_TITLE_CHARS) : title;
  // Titles come again and again (every firing of an alert): each distinct one is normalised once while the memo has room.
  if (text.length > TITLE_MEMO_MAX_LENGTH) return normalize(text);
  let normalized = titles.get(text);
  if (normalized !== undefined) titleHits++;
  else {
    normalized = normalize(text);
    if (titles.size >= TITLE_MEMO_SIZE && remembersTitles) {
      // Mostly new titles: the memo stays as it is rather than churn (it starts afresh while a quarter came again).
      if (titleHits * 4 < titles.size) remembersTitles = false;
      else titles.clear();
      titleHits = 0;
    }
    if (remembersTitles) titles.set(text, normalized);
  }
  return normalized;
}

const titles = new Map<string, string>();
let titleHits = 0;
let remembersTitles = true;
const TITLE_MEMO_SIZE = 32_768;
const TITLE_MEMO_MAX_LENGTH = 256;
/** Titles are read up to this many characters (clustering, names). */
export const MAX_TITLE_CHARS = 1000;

function normalize(text: string): string {
  let title = (text.includes(ENTITY_MARK) ? text.replace(ENTITY_MARKS, '') : text).trim();
  let suffix = '';
  let alertmanagerSubject = false;
  // Every status or priority prefix starts with one of these characters; other titles skip the rounds.
  for (let round = 0; round < 4 && PREFIX_START.test(title); round++) {
    const scope = DATADOG_SCOPE.exec(title);
    if (scope !== null) {
      // Every tag of the monitor's scope names an entity: `host:db-3` → `host:` and a marked value.
      const tags = scope[1]!.split(',').map((t) => t.trim()).filter(Boolean);
      const marked = tags.map((tag) => {
        const colon = tag.indexOf(':');
        return colon > 0 && colon < tag.length - 1 ? `${tag.slice(0, colon + 1)}${ENTITY_MARK}${tag.slice(colon + 1)}` : tag;
      });
      if (marked.length > 0) suffix += ` on ${marked.join(' ')}`;
      title = title.slice(scope[0].length);
      continue;
    }
    const before = title;
    if (ALERTMANAGER_STATUS.test(title)) alertmanagerSubject = true;
    title = title.replace(BRACKETED_STATUS, '').replace(PARENTHESISED_PRIORITY, '').replace(PREFIXED_STATUS, '').replace(LEADING_PRIORITY, '');
    if (title === before) break;
  }
  if (alertmanagerSubject) title = markLabelValues(title);
  const nagios = title.startsWith('**') ? NAGIOS.exec(title) : null;
  if (nagios !== null) {
    // "** PROBLEM Service Alert: web-3/Disk /var is CRITICAL **" → "Disk /var on web-3"; a host alert says its state.
    const [, kind, host, service, state] = nagios;
    title = kind!.toLowerCase() === 'host' ? `${host} is ${state!.toLowerCase()}` : `${service} on ${host}`;
  }
  for (let round = 0; round < 2 && mayEndInStatus(title); round++) {
    const before = title;
    title = title.replace(TRAILING_STATUS, '');
    if (title === before) break;
  }
  if (title === '') return text.trim();
  if (title.includes('(')) title = title.replace(REGION_IN_WORDS, (name) => AWS_REGION_NAMES[name.toLowerCase()] ?? name);
  if (title.includes('"')) title = title.replace(QUOTED_NAME, (_, name: string) => name);
  if (title.includes('-') || title.includes('_')) title = title.split(' ').map(splitProblemNameOnce).join(' ');
  return title + suffix;
}

const PREFIX_START = /^[[(AOIFRTCWPS]/;

/** Whether `TRAILING_STATUS` can match: it ends in `]`, `)`, a priority's digit, `critical` or `warning`. */
function mayEndInStatus(title: string): boolean {
  const last = title.charCodeAt(title.length - 1);
  const lower = last | 32;
  return last === 93 /* ] */ || last === 41 /* ) */ || (last >= 48 && last <= 53) || lower === 108 /* l */ || lower === 103 /* g */;
}

// Alarm names recur (every firing of one alarm), and splitting one asks the lexicon: each distinct token is split once.
const splitNames = memoize((token) => splitProblemName(token), 20_000);
function splitProblemNameOnce(token: string): string {
  // An AWS resource path before the name (`app/prod-api/50dc6c495c0c9188-TargetResponseTime-p99-high`): the name is
  // its last segment.
  const slash = token.lastIndexOf('/');
  if (slash > 0 && slash < token.length - 1 && !token.startsWith('/') && !token.includes('://')) {
    const last = splitProblemNameOnce(token.slice(slash + 1));
    return last === token.slice(slash + 1) ? token : `${token.slice(0, slash + 1)}${last}`;
  }
  if (!COMPOUND.test(token) && !METRIC_NAMED.test(token)) return token;
  // A numbered last part (`…-x2k9p`, `batch-node-17`) is an entity's, never a problem's, so `splitProblemName` leaves
  // the name whole: such names (pods, hosts, mostly new each time) need neither the lexicon nor the memo.
  const lastPart = token.slice(Math.max(token.lastIndexOf('-'), token.lastIndexOf('_')) + 1);
  if (DIGIT.test(lastPart) && !LEXICON_CODE.test(lastPart)) return token;
  return splitNames(token);
}

const COMPOUND = /^[A-Za-z0-9.]+(?:[-_][A-Za-z0-9.]+){2,}$/;
/**
 * Two parts, the second a capitalised metric name after an entity (`checkout-Errors`, `orders-RunningTaskCount`,
 * `E1X9KD0PZ7T3AB-5xxErrorRate`: CloudWatch alarms named `<resource>-<MetricName>`). Lower-case pairs
 * (`webhook-retries`, `payment-events`) are names of things and stay whole.
 */
// One optional group, not a repeated one: `(?:[A-Z][A-Za-z]*)*` backtracks exponentially on a long run of capitals.
const METRIC_NAMED = /^[A-Za-z0-9.]+[-_](?:\d[xX]{2}|[pP]\d{2,3})?[A-Z][a-z]+(?:[A-Z][A-Za-z]*)?$/;
const DIGIT = /\d/;
/**
 * Codes with digits that the lexicon reads (`5xx`, `p99`), alone or leading a metric name (`5xxErrorRate`): the only
 * numbered parts of an alarm name that are words.
 */
const LEXICON_CODE = /^(?:\d[xX]{2}|[pP]\d{2,3})(?:[A-Z][A-Za-z]*)?$/;

/**
 * An alarm or monitor name such as `db-3-disk-usage-high` or `sqs-order-events-oldest-message-age-high` names an
 * entity and a problem; as one token it would be masked as a host or read as one word. Such names put the problem
 * last: the longest run of the lexicon's words at the end (phrases too: "oldest message age") that names a condition
 * or an amount becomes words, and so does one leading product name (`sqs`, `rds`, `route53`); what lies between stays
 * one entity (`order-events`, `db-3`, `auth-token-refresh`). Anything else (`payments-api`, `kube-system`) is left
 * whole.
 */
function splitProblemName(token: string): string {
  if (!COMPOUND.test(token) && !METRIC_NAMED.test(token)) return token;
  const parts = token.split(/[-_]/);
  const words: string[] = [];
  const partOf: number[] = [];
  parts.forEach((part, p) => {
    // Numbered parts are entities (`db-3`, `web-01`), except codes the lexicon reads (`5xx`, `p99`).
    if (DIGIT.test(part) && !LEXICON_CODE.test(part)) return;
    for (const word of tokenWords(part)) {
      words.push(word);
      partOf.push(p);
    }
  });
  const kinds: Array<'other' | 'subject' | 'problem' | 'product'> = parts.map(() => 'other');
  for (const found of findConcepts(words)) {
    const concept = found.concept.replace(/^not:/, '');
    let kind: 'subject' | 'problem' | 'product' | undefined;
    if (concept.startsWith('q:')) kind = 'problem';
    else if (!concept.startsWith('w:')) {
      kind = conceptKind(concept) === 'condition' ? 'problem' : PRODUCTS.has(concept) || conceptParents(concept).length > 0 ? 'product' : 'subject';
    }
    if (kind === undefined) continue;
    for (let w = found.word; w < found.word + found.length; w++) {
      const part = partOf[w]!;
      if (kinds[part] !== 'problem') kinds[part] = kind === 'product' && kinds[part] === 'subject' ? 'subject' : kind;
    }
  }
  // Parts the lexicon reads as several things at once (`DatabaseConnections`) count as what they hold.
  let start = parts.length;
  while (start > 0 && kinds[start - 1] !== 'other') start--;
  const suffix = kinds.slice(start);
  if (!suffix.includes('problem')) return token;
  if (start === 0) return parts.join(' ');
  // A word numbered by the next part names an entity (`web-01`), not a problem: the suffix cannot start at `01`.
  const lead = kinds[0] === 'product' && start > 1 ? 1 : 0;
  const separator = token.includes('-') ? '-' : '_';
  const entity = parts.slice(lead, start);
  return [...parts.slice(0, lead), ...(entity.length > 0 ? [entity.join(separator)] : []), ...parts.slice(start)].join(' ');
}

// Product names that lead alarm names ("rds-…", "sqs-…"): the service the alarm watches, not part of the entity.
const PRODUCTS = new Set(['bucket', 'loadbalancer', 'dns', 'tls', 'cdn', 'lambda', 'queue', 'search', 'cache']);

// Label values that only grade an alert.
const SEVERITY_VALUES = new Set(['critical', 'warning', 'warn', 'info', 'none', 'page', 'error', 'high', 'low', 'medium', 'major', 'minor', 'p1', 'p2', 'p3', 'p4', 'p5']);
// A capitalised word, then a capital and anything alphanumeric (`KubePodCrashLooping`); written without a repeated
// group, which backtracked exponentially on a long run of capitals from a webhook.
const ALERT_NAME = /^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$/;

/**
 * In an Alertmanager or Grafana subject, what follows the alert name are label values: those that name a condition
 * (`ImagePullBackOff`, `OOMKilled`: a `reason` label) stay words, severities go, and the rest (namespaces, pods,
 * jobs, instances, queues) are marked as entity values. With a one-word CamelCase alert name the values before the
 * parentheses are labels too; a rule title of several words cannot be told from its labels, so only the
 * parentheses are read then.
 */
function markLabelValues(title: string): string {
  const tokens = title.split(' ').filter(Boolean);
  if (tokens.length < 2) return title;
  const open = tokens.findIndex((t) => t.startsWith('('));
  const lastClosed = tokens[tokens.length - 1]!.endsWith(')');
  let from = ALERT_NAME.test(tokens[0]!) ? 1 : open !== -1 && lastClosed ? open : tokens.length;
  // Grafana groups by rule title and folder: a capitalised last word before the labels that the lexicon does not
  // read ("Memory usage > 90% Infrastructure (…)") is the folder, a label value too.
  const folder = (open === -1 ? tokens.length : open) - 1;
  if (from > folder && folder > 0 && /^[A-Z][A-Za-z0-9]*$/.test(tokens[folder]!) && findConcepts(tokenWords(tokens[folder]!)).every((f) => f.concept.startsWith('w:'))) {
    from = folder;
  }
  const out: string[] = [];
  tokens.forEach((token, i) => {
    if (i < from) {
      out.push(token);
      return;
    }
    const lead = /^\(+/.exec(token)?.[0] ?? '';
    const trail = /(?<!\))\)+$/.exec(token)?.[0] ?? '';
    const value = token.slice(lead.length, token.length - trail.length);
    if (value === '' || SEVERITY_VALUES.has(value.toLowerCase())) {
      // A dropped last value's closing bracket closes the value before it: `(db-3 node-exporter warning)` → `(db-3 node-exporter)`.
      if (trail && !lead && out.length > 0) out[out.length - 1] += trail;
      else if (lead || trail) out.push(`${lead}${trail}`);
      return;
    }
    const saysWhatIsWrong = conceptsOfWords(tokenWords(value)).some((c) => conceptKind(c) === 'condition');
    out.push(saysWhatIsWrong || value === '/' ? token : `${lead}${ENTITY_MARK}${value}${trail}`);
  });
  return out.join(' ').replace(/\(\s*\)/g, '').trim();
}
