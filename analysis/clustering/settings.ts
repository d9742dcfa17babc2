// Per-account clustering settings: plain JSON with defaults, so an account can store overrides and a workflow can carry them.

/** Built-in kinds of variable token, in the order they are tried (earlier kinds win on overlapping text). */
export const MASK_KINDS = [
  'url',
  'email',
  'uuid',
  'timestamp',
  'label',
  'region',
  'ipv6',
  'mac',
  'pod',
  'host',
  'ipv4',
  'path',
  'hex',
  'id',
  'duration',
  'size',
  'percent',
  'number',
] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

/** A mask an account adds for its own identifiers, e.g. `{ name: 'ticket', pattern: 'INC-\\d+' }` → `<TICKET>`. */
export interface CustomMask {
  name: string;
  /** JavaScript regular expression source; matched inside whitespace-separated tokens. */
  pattern: string;
  /** Regular expression flags besides `g` (added automatically), e.g. `i`. */
  flags?: string;
  /** Replacement placeholder; defaults to `<NAME>` from `name`. */
  placeholder?: string;
}

export interface MaskingSettings {
  /** Built-in mask kinds that are switched off for this account. */
  disabled: MaskKind[];
  /** Account-specific masks, tried before the built-in ones. */
  custom: CustomMask[];
  /**
   * A token that still contains a digit after masking (`ssh2`, `x86_64`, `core.2`) is treated as a variable when
   * comparing incidents with a template, as Drain does with `hasNumbers`; its text is kept in the template until two
   * incidents disagree on it.
   */
  digitTokensAreVariables: boolean;
}

export interface MiningSettings {
  /** Depth of the prefix tree: 2 levels (token count, then the first `depth - 2` tokens) route to a leaf. */
  depth: number;
  /** Share of equal tokens needed to join an existing template (Drain's `st`). */
  similarityThreshold: number;
  /** Children per tree node before further distinct tokens are routed to the wildcard child. */
  maxChildren: number;
  /**
   * Two different plain words at one position ("VM Started" / "VM Stopped") keep incidents apart instead of being
   * generalised; word slots that really vary (user names) are merged later when they show many distinct values.
   */
  splitOnWordDifference: boolean;
}

export interface MergingSettings {
  /** Whether templates are merged into clusters by similarity at all (otherwise one template = one cluster). */
  enabled: boolean;
  /** A word slot is a variable once this many different words fill it in otherwise identical templates. */
  variableSlotMinValues: number;
  /**
   * Fewer values suffice where the values look like entity names (`payments-api`, `email_outbound`) or sit beside an
   * entity noun ("queue orders", "orders database").
   */
  entitySlotMinValues: number;
  /**
   * Weighted Jaccard of two templates' concepts (the operations lexicon's, plus unknown words) at or above which they
   * are one problem on their wording alone (their concepts nesting, see `wordingMustNest`).
   */
  threshold: number;
  /**
   * With time co-occurrence as evidence (the two alerting on one entity within the window, repeatedly), the share of
   * the smaller template's concepts the other must have (containment) instead.
   */
  cooccurrenceThreshold: number;
  /** Minutes within which two incidents on one entity count as co-occurring. */
  cooccurrenceWindowMinutes: number;
  /** Share of the smaller template's incidents that must co-occur with the other's. */
  cooccurrenceMinShare: number;
  /** And at least this many of them. */
  cooccurrenceMinCount: number;
  /**
   * Two templates that met fewer times than that (once) may still merge when they share a subject or condition, the
   * smaller one's concepts are at least this share of the other's (containment), and neither names a subject the
   * other does not.
   */
  cooccurrenceOnceThreshold: number;
  /**
   * Share of the text similarity taken by the embedding cosine when an embedding function is injected (the concept
   * similarity keeps the rest); ignored otherwise. Embedding models differ in how high unrelated texts score, so the
   * threshold may need calibrating per model.
   */
  embeddingWeight: number;
  /**
   * Judged on text alone, merged templates must keep their concepts nested (words may be added, dropped or reordered,
   * not replaced), which keeps "VM started" and "VM stopped" apart; co-occurrence and embeddings lift this rule, never
   * the conflict rule (a different subject or condition on each side).
   */
  wordingMustNest: boolean;
}

export interface ClusteringSettings {
  /** Which incident fields are clustered: the title alone (alerts' templated text) or title and description. */
  text: 'title' | 'title+description';
  masking: MaskingSettings;
  mining: MiningSettings;
  merging: MergingSettings;
}

/** Overrides as an account stores them: any subset of the settings. */
export interface ClusteringSettingsOverrides {
  text?: ClusteringSettings['text'];
  masking?: Partial<MaskingSettings>;
  mining?: Partial<MiningSettings>;
  merging?: Partial<MergingSettings>;
}

export const DEFAULT_CLUSTERING_SETTINGS: ClusteringSettings = Object.freeze({
  text: 'title',
  masking: Object.freeze({ disabled: [], custom: [], digitTokensAreVariables: true }),
  mining: Object.freeze({ depth: 4, similarityThreshold: 0.5, maxChildren: 100, splitOnWordDifference: true }),
  merging: Object.freeze({
    enabled: true,
    variableSlotMinValues: 5,
    entitySlotMinValues: 2,
    threshold: 0.7,
    cooccurrenceThreshold: 0.3,
    cooccurrenceWindowMinutes: 15,
    cooccurrenceMinShare: 0.05,
    cooccurrenceMinCount: 2,
    cooccurrenceOnceThreshold: 0.5,
    embeddingWeight: 0.8,
    wordingMustNest: true,
  }),
}) as ClusteringSettings;

export class InvalidClusteringSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidClusteringSettingsError';
  }
}

/** Defaults overlaid with an account's overrides, validated; throws `InvalidClusteringSettingsError` on bad input. */
export function resolveClusteringSettings(overrides: ClusteringSettingsOverrides = {}): ClusteringSettings {
  const d = DEFAULT_CLUSTERING_SETTINGS;
  const settings: ClusteringSettings = {
    text: overrides.text ?? d.text,
    masking: {
      disabled: [...(overrides.masking?.disabled ?? d.masking.disabled)],
      custom: (overrides.masking?.custom ?? d.masking.custom).map((m) => ({ ...m })),
      digitTokensAreVariables: overrides.masking?.digitTokensAreVariables ?? d.masking.digitTokensAreVariables,
    },
    mining: { ...d.mining, ...overrides.mining },
    merging: { ...d.merging, ...overrides.merging },
  };
  validateClusteringSettings(settings);
  return settings;
}

function validateClusteringSettings(s: ClusteringSettings): void {
  const fail = (message: string): never => {
    throw new InvalidClusteringSettingsError(message);
  };
  if (s.text !== 'title' && s.text !== 'title+description') fail(`text must be "title" or "title+description"`);
  for (const kind of s.masking.disabled) {
    if (!(MASK_KINDS as readonly string[]).includes(kind)) fail(`masking.disabled: unknown mask kind "${kind}"`);
  }
  for (const [i, mask] of s.masking.custom.entries()) {
    if (!mask.name || !/^[A-Za-z][\w-]*$/.test(mask.name)) fail(`masking.custom[${i}].name must be a word`);
    if (!mask.pattern) fail(`masking.custom[${i}].pattern is empty`);
    if (mask.flags !== undefined && !/^[imsu]*$/.test(mask.flags)) fail(`masking.custom[${i}].flags may only use i, m, s, u`);
    try {
      new RegExp(mask.pattern, `g${mask.flags ?? ''}`);
    } catch (error) {
      fail(`masking.custom[${i}].pattern is not a valid regular expression: ${(error as Error).message}`);
    }
    if (new RegExp(mask.pattern, mask.flags ?? '').test('')) fail(`masking.custom[${i}].pattern matches the empty string`);
  }
  const { depth, similarityThreshold, maxChildren } = s.mining;
  if (!Number.isInteger(depth) || depth < 3 || depth > 10) fail('mining.depth must be an integer from 3 to 10');
  if (!(similarityThreshold > 0 && similarityThreshold <= 1)) fail('mining.similarityThreshold must be in (0, 1]');
  if (!Number.isInteger(maxChildren) || maxChildren < 2) fail('mining.maxChildren must be an integer of at least 2');
  const m = s.merging;
  for (const key of ['threshold', 'cooccurrenceThreshold', 'cooccurrenceMinShare', 'cooccurrenceOnceThreshold'] as const) {
    if (!(m[key] > 0 && m[key] <= 1)) fail(`merging.${key} must be in (0, 1]`);
  }
  for (const key of ['variableSlotMinValues', 'entitySlotMinValues'] as const) {
    if (!Number.isInteger(m[key]) || m[key] < 2) fail(`merging.${key} must be an integer of at least 2`);
  }
  if (!Number.isInteger(m.cooccurrenceMinCount) || m.cooccurrenceMinCount < 1) fail('merging.cooccurrenceMinCount must be a positive integer');
  if (!(m.cooccurrenceWindowMinutes > 0 && m.cooccurrenceWindowMinutes <= 1440)) fail('merging.cooccurrenceWindowMinutes must be in (0, 1440]');
  if (!(m.embeddingWeight >= 0 && m.embeddingWeight <= 1)) fail('merging.embeddingWeight must be in [0, 1]');
  const flags = {
    'masking.digitTokensAreVariables': s.masking.digitTokensAreVariables,
    'mining.splitOnWordDifference': s.mining.splitOnWordDifference,
    'merging.enabled': m.enabled,
    'merging.wordingMustNest': m.wordingMustNest,
  };
  for (const [key, value] of Object.entries(flags)) if (typeof value !== 'boolean') fail(`${key} must be true or false`);
}
