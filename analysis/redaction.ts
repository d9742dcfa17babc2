// Redaction of secrets and personal data from incident text before it leaves for a model, with readable placeholders.
//
// Placeholders say what was there (`[email]`, `[ip]`, `[secret]`, `[private-key]`, `[redacted]` for custom patterns)
// so a prompt stays understandable. No rule matches a placeholder, so redacting twice changes nothing.
// Near misses kept on purpose: version strings (`v1.2.3`, `1.2.3`), timestamps, UUIDs, git SHAs, `password=$DB_PASSWORD`
// style references and booleans. A dotted quad that is a valid IPv4 address is an IP even when it was meant as a
// version: leaking an address is worse than hiding a version number.

export type Redactor = (text: string) => RedactionResult;

export interface RedactionResult {
  text: string;
  /** How many values of each kind were replaced; kinds with none are absent. */
  counts: Record<string, number>;
}

export interface RedactorOptions {
  /** Extra regular expression sources (JavaScript syntax, matched globally and case-sensitively). */
  customPatterns?: string[];
}

export class InvalidRedactionPatternError extends Error {
  readonly pattern: string;
  constructor(pattern: string, reason: string) {
    super(`invalid redaction pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.pattern = pattern;
    this.name = 'InvalidRedactionPatternError';
  }
}

export const REDACTION_PLACEHOLDERS = {
  email: '[email]',
  ip: '[ip]',
  secret: '[secret]',
  privateKey: '[private-key]',
  custom: '[redacted]',
} as const;

const PLACEHOLDER_VALUE = /^\[(?:email|ip|secret|private-key|redacted)\]$/;

// Custom patterns longer than this are refused, and they run over at most this many characters at a time, which
// bounds the cost of a pattern that backtracks badly.
export const MAX_CUSTOM_PATTERN_LENGTH = 300;
export const CUSTOM_PATTERN_WINDOW = 4096;

interface Rule {
  kind: string;
  regex: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const SECRET = REDACTION_PLACEHOLDERS.secret;
const whole = (placeholder: string) => () => placeholder;

// Names whose value is a credential. A name must end with one of these words (`DB_PASSWORD`, `client_secret`,
// `x-api-key`), so `max_tokens` or `secretary` do not count.
const SECRET_NAME = String.raw`(?:[A-Za-z0-9_.-]*[_.-])?(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|auth|authorization|credentials?|session[_-]?key)`;

// Values that are not secrets even after a secret name: references to variables, booleans, placeholders, masks.
const NOT_A_SECRET = /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{[^}]*\}\}|<[^>]*>|true|false|null|none|nil|undefined|\*+|x+|bearer|basic|token|digest|required|optional|\[(?:email|ip|secret|private-key|redacted)\])$/i;

const IPV4_OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4 = String.raw`(?:${IPV4_OCTET}\.){3}${IPV4_OCTET}`;

const BUILTIN_RULES: Rule[] = [
  {
    kind: 'private-key',
    // An unterminated block (a truncated log line) is redacted to the end rather than leaked.
    regex: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)/g,
    replace: whole(REDACTION_PLACEHOLDERS.privateKey),
  },
  {
    kind: 'url-password',
    // The scheme may not start inside a longer run of scheme characters: that keeps the scan linear on `a.a.a.a...`.
    regex: /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#[\]]+):([^\s@/?#]+)@/gi,
    replace: (match, prefix, password) => (PLACEHOLDER_VALUE.test(password!) ? match : `${prefix}:${SECRET}@`),
  },
  {
    kind: 'jwt',
    regex: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: whole(SECRET),
  },
  {
    kind: 'aws-secret-key',
    regex: /\b((?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    replace: (_m, prefix) => `${prefix}${SECRET}`,
  },
  {
    kind: 'aws-access-key',
    regex: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: whole(SECRET),
  },
  {
    kind: 'github-token',
    regex: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    replace: whole(SECRET),
  },
  {
    kind: 'slack-token',
    regex: /\bxox[abposre]-[A-Za-z0-9-]{10,}|(hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g,
    replace: (_m, prefix) => (prefix === undefined ? SECRET : `${prefix}${SECRET}`),
  },
  {
    kind: 'api-key',
    // OpenAI-style (sk-, sk-proj-), Stripe (sk_live_, rk_test_) and Google (AIza) keys.
    regex: /\b(?:sk-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{20,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35})/g,
    replace: whole(SECRET),
  },
  {
    kind: 'bearer',
    // A credential after an auth scheme: long, or with a digit, so that "Bearer token missing" stays prose.
    regex: /\b(Bearer|Basic|Token)(\s+)((?=[A-Za-z0-9\-._~+/]*\d)[A-Za-z0-9\-._~+/]{8,}=*|[A-Za-z0-9\-._~+/]{20,}=*)/g,
    replace: (_m, scheme, space) => `${scheme}${space}${SECRET}`,
  },
  {
    kind: 'assignment',
    // name=value, name: value, "name": "value", --name=value, in env files, query strings, YAML, JSON and headers.
    regex: new RegExp(
      String.raw`(?<![A-Za-z0-9_.-])(["']?)(${SECRET_NAME})\1(\s*[:=]\s*|=)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\[(?:email|ip|secret|private-key|redacted)\]|\{\{[^}\n]*\}\}|\$\{[^}\n]*\}|(?:Bearer|Basic|Token|Digest)\s+[^\s"',]+|[^\s&;,"'<>)}\]]+)`,
      'gi',
    ),
    replace: (match, quote, name, separator, value) => {
      if (name!.toLowerCase() === 'pwd') return match; // the shell's working directory, not a password
      const quoted = value!.startsWith('"') || value!.startsWith("'");
      const inner = quoted ? value!.slice(1, -1) : value!;
      const scheme = /^((?:Bearer|Basic|Token|Digest)\s+)(.*)$/i.exec(inner);
      const secret = scheme === null ? inner : scheme[2]!;
      if (secret === '' || NOT_A_SECRET.test(secret)) return match;
      const q = quoted ? value![0] : '';
      return `${quote}${name}${quote}${separator}${q}${scheme?.[1] ?? ''}${SECRET}${q}`;
    },
  },
  {
    kind: 'email',
    regex: /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    replace: whole(REDACTION_PLACEHOLDERS.email),
  },
  {
    kind: 'ip',
    regex: new RegExp(
      [
        // IPv4-mapped IPv6 first, so that its IPv4 tail is not redacted on its own.
        String.raw`(?<![\w:])::ffff:${IPV4}(?![\w.])`,
        String.raw`(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])`,
        // Compressed IPv6 needs a digit so that `Foo::Bar` style names stay.
        String.raw`(?<![\w:])(?=[0-9a-f:]*\d)(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{0,4}(?![\w:])`,
        // AWS-style host names carry the address: ip-10-0-0-1.
        String.raw`\bip-(?:${IPV4_OCTET}-){3}${IPV4_OCTET}\b`,
        String.raw`(?<![\w.])${IPV4}(?![\w]|\.\d)`,
      ].join('|'),
      'gi',
    ),
    replace: whole(REDACTION_PLACEHOLDERS.ip),
  },
];

function compileCustom(pattern: string): Rule {
  if (pattern.length === 0) throw new InvalidRedactionPatternError(pattern, 'the pattern is empty');
  if (pattern.length > MAX_CUSTOM_PATTERN_LENGTH)
    throw new InvalidRedactionPatternError(pattern, `the pattern is longer than ${MAX_CUSTOM_PATTERN_LENGTH} characters`);
  // A quantified group that itself ends in a quantifier, such as (a+)+ or (\w*)*, backtracks exponentially.
  if (/\((?:[^()\\]|\\.)*[+*}]\)(?:[+*]|\{\d*,)/.test(pattern))
    throw new InvalidRedactionPatternError(pattern, 'nested quantifiers such as (a+)+ can take exponential time');
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'g');
  } catch (error) {
    throw new InvalidRedactionPatternError(pattern, (error as Error).message);
  }
  if (new RegExp(`^(?:${pattern})$`).test('')) throw new InvalidRedactionPatternError(pattern, 'the pattern matches the empty string');
  return {
    kind: 'custom',
    regex,
    replace: (match) => (PLACEHOLDER_VALUE.test(match) ? match : REDACTION_PLACEHOLDERS.custom),
  };
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const custom = (options.customPatterns ?? []).map(compileCustom);
  return (text: string) => {
    const counts: Record<string, number> = {};
    let out = text;
    const apply = (rule: Rule, input: string): string =>
      input.replace(rule.regex, (match: string, ...rest: unknown[]) => {
        const groups = rest.slice(0, -2).map((g) => g as string);
        const replaced = rule.replace(match, ...groups);
        if (replaced !== match) counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
        return replaced;
      });
    // Custom patterns first: an account's own identifiers (ticket ids, customer names) may contain what a built-in
    // rule would split.
    for (const rule of custom) out = windows(out).map((part) => apply(rule, part)).join('');
    for (const rule of BUILTIN_RULES) out = apply(rule, out);
    return { text: out, counts };
  };
}

/** The text cut at line ends into pieces of at most CUSTOM_PATTERN_WINDOW characters (long lines cut anywhere). */
function windows(text: string): string[] {
  if (text.length <= CUSTOM_PATTERN_WINDOW) return [text];
  const parts: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    for (let i = 0; i < line.length; i += CUSTOM_PATTERN_WINDOW) parts.push(line.slice(i, i + CUSTOM_PATTERN_WINDOW));
  }
  return parts;
}

const SECRET_KEY = new RegExp(`^${SECRET_NAME}$`, 'i');

/**
 * A copy of a JSON value with every string redacted. A string or number under a credential-named key
 * (`{"password": "hunter2"}`) is replaced whole, since without its key it looks like any word.
 * Counts are added to `counts` when given.
 */
export function redactDeep<T>(value: T, redactor: Redactor, counts: Record<string, number> = {}): T {
  const add = (more: Record<string, number>) => {
    for (const [kind, n] of Object.entries(more)) counts[kind] = (counts[kind] ?? 0) + n;
  };
  const visit = (v: unknown, key: string | null): unknown => {
    if (key !== null && key.toLowerCase() !== 'pwd' && SECRET_KEY.test(key) && (typeof v === 'string' || typeof v === 'number')) {
      if (typeof v === 'string' && (v === '' || NOT_A_SECRET.test(v))) return v;
      add({ assignment: 1 });
      return SECRET;
    }
    if (typeof v === 'string') {
      const result = redactor(v);
      add(result.counts);
      return result.text;
    }
    if (Array.isArray(v)) return v.map((item) => visit(item, null));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = visit(item, k);
      return out;
    }
    return v;
  };
  return visit(value, null) as T;
}
