// The clustering model: templates, clusters and feedback rules, with online assignment of one incident in
// microseconds and a plain-JSON state that a workflow or activity can persist and reload.
import { anchoredClusterId, uniqueClusterId } from './cluster-ids.ts';
import {
  applyFeedback,
  resolveClusterId,
  type ClusterFeedback,
  type FeedbackContext,
  type SplitRule,
} from './feedback.ts';
import { compileMasker, splitTokens, type Masker } from './masking.ts';
import { normalizeTitle } from './title-normalize.ts';
import {
  resolveClusteringSettings,
  type ClusteringSettings,
  type ClusteringSettingsOverrides,
} from './settings.ts';
import { ConceptSpace, conceptsConflict, entityKinds, entityKindsConflict, nestedConcepts, slotKey, templateConcepts, templateSkeleton, unionConcepts, type ConceptBag } from './template-merge.ts';
import {
  WILDCARD,
  addIncidentTokens,
  createTemplateMiner,
  loadTemplateMiner,
  serializeTemplateMiner,
  type TemplateGroup,
  type TemplateMiner,
  type TemplateMinerState,
} from './template-miner.ts';

/** What the engine needs of an incident; the unified incident of `connectors/types.ts` fits it. */
export interface ClusterIncident {
  id: string;
  title: string;
  description?: string | null;
  service?: string | null;
  source?: string | null;
  /** ISO-8601; orders the incidents of a recluster and feeds first/last seen. */
  createdAt?: string | null;
  acknowledgedAt?: string | null;
  resolvedAt?: string | null;
}

export interface IncidentAssignment {
  incidentId: string;
  clusterId: string;
  /** The mined template's id inside the model. */
  templateId: number;
  /** The incident's template, e.g. `High CPU on <HOST> (<PCT>)`. */
  template: string;
}

/** A mined template as the model keeps it. */
export interface ModelTemplate {
  /** The cluster its incidents join (before per-incident feedback: splits and "not this pattern"). */
  clusterId: string;
  /** Positions the second stage found to be variable words, shown as `<*>`. */
  slots: number[];
  /** Incidents per service and per source (the most frequent few). */
  services: Map<string, number>;
  sources: Map<string, number>;
}

export interface ModelCluster {
  id: string;
  /** The name a user gave it (rename feedback). */
  name?: string;
  /** Its most frequent template when it was last computed. */
  template: string;
  size: number;
  firstSeen?: string;
  lastSeen?: string;
}

/** Indexes for placing a template that appeared after the last recluster; built on first need. */
interface OnlineIndex {
  /** Concept weights over the model's templates, as the recluster weighed them. */
  space: ConceptSpace;
  concepts: Map<number, ConceptBag>;
  /** Every concept a cluster's templates name (what a new wording must nest with and not conflict with). */
  clusterConcepts: Map<string, Map<string, number>>;
  slotKeys: Map<string, string>;
}

export interface ClusterModel {
  readonly settings: ClusteringSettings;
  readonly masker: Masker;
  readonly miner: TemplateMiner;
  readonly templates: Map<number, ModelTemplate>;
  readonly clusters: Map<string, ModelCluster>;
  readonly feedback: readonly ClusterFeedback[];
  readonly aliases: Map<string, string>;
  readonly splitRules: Map<string, SplitRule[]>;
  readonly exclusions: Map<string, { clusterId: string; targetId: string }>;
  /** Template text per template id, dropped when the template changes. */
  readonly templateTexts: Map<number, string>;
  /** People's typos the last recluster read as the account's words (`sreving` → `serving`), applied online too. */
  readonly typos: ReadonlyMap<string, string>;
  onlineIndex: OnlineIndex | undefined;
}

/** Plain-JSON form of a model (`JSON.stringify` safe): what a workflow or activity persists. */
export interface ClusterModelState {
  /** 2 since titles are normalised and templates merged by concepts; a version 1 state loads with today's settings. */
  version: 1 | 2;
  settings: ClusteringSettings;
  miner: TemplateMinerState;
  templates: Array<{
    id: number;
    clusterId: string;
    slots?: number[];
    services?: Record<string, number>;
    sources?: Record<string, number>;
  }>;
  clusters: ModelCluster[];
  feedback: ClusterFeedback[];
  /** Typo → word, as the last recluster read them (absent in states saved before typos were read). */
  typos?: Record<string, string>;
}

/** Services and sources kept per template: enough to compare templates, bounded so state stays small. */
const MAX_TRACKED_VALUES = 16;

/** Descriptions are clustered by up to this many characters (with `text: 'title+description'`). */
export const MAX_DESCRIPTION_CHARS = 2000;

/** The text an incident is clustered by: its title without tool wrappers (and its description, when configured). */
export function incidentText(incident: ClusterIncident, settings: ClusteringSettings): string {
  const title = normalizeTitle(incident.title ?? '');
  if (settings.text === 'title+description' && incident.description) return `${title} ${incident.description.slice(0, MAX_DESCRIPTION_CHARS)}`;
  return title;
}

/** An empty model with an account's settings: the state of a new account before its first recluster. */
export function createClusterModel(settings: ClusteringSettingsOverrides = {}): ClusterModel {
  const resolved = resolveClusteringSettings(settings);
  const miner = createTemplateMiner(resolved.mining, resolved.masking.digitTokensAreVariables);
  return buildModel(resolved, miner, [], new Map(), new Map());
}

/** A feedback context without incidents: applying feedback to it yields just the rules. */
export const NO_INCIDENTS: FeedbackContext = { incidentIndex: () => undefined, maskedTokens: () => [], rawTokens: () => [] };

/** Assembles a model; recluster and load both end here, so feedback rules are compiled in one place. */
export function buildModel(
  settings: ClusteringSettings,
  miner: TemplateMiner,
  feedback: readonly ClusterFeedback[],
  templates: Map<number, ModelTemplate>,
  clusters: Map<string, ModelCluster>,
  typos: ReadonlyMap<string, string> = new Map(),
): ClusterModel {
  // Applied to an empty table, feedback yields just its rules: aliases, split patterns and exclusions.
  const rules = applyFeedback(new Map(), feedback, NO_INCIDENTS);
  const splitRules = new Map<string, SplitRule[]>();
  for (const rule of rules.splitRules) {
    const from = resolveClusterId(rules.aliases, rule.clusterId);
    splitRules.set(from, [...(splitRules.get(from) ?? []), rule]);
  }
  return {
    settings,
    masker: compileMasker(settings.masking),
    miner,
    templates,
    clusters,
    feedback: feedback.slice(),
    aliases: rules.aliases,
    splitRules,
    exclusions: rules.exclusions,
    templateTexts: new Map(),
    typos,
    onlineIndex: undefined,
  };
}

/** The text of a template as shown to users: mined tokens, with variable word slots as `<*>`. */
export function templateText(model: ClusterModel, templateId: number): string {
  let text = model.templateTexts.get(templateId);
  if (text === undefined) {
    const group = model.miner.groups[templateId];
    if (group === undefined) throw new RangeError(`no template ${templateId}`);
    const slots = model.templates.get(templateId)?.slots ?? [];
    const tokens = slots.length === 0 ? group.tokens : group.tokens.map((t, i) => (slots.includes(i) ? WILDCARD : t));
    text = tokens.join(' ');
    model.templateTexts.set(templateId, text);
  }
  return text;
}

/**
 * Assigns one incident to its cluster and updates the model (template generalisation, sizes, first/last seen).
 * A template seen for the first time joins the most similar cluster if one is similar enough, else starts one.
 */
export function assignIncident(model: ClusterModel, incident: ClusterIncident): IncidentAssignment {
  const text = incidentText(incident, model.settings);
  const tokens = correctTypos(model.masker.maskTokens(text), model.typos);
  const mined = addIncidentTokens(model.miner, tokens);
  const group = mined.group;
  if (mined.changed) model.templateTexts.delete(group.id);
  let entry = model.templates.get(group.id);
  if (entry === undefined) entry = placeNewTemplate(model, group);
  count(entry.services, incident.service);
  count(entry.sources, incident.source);

  let clusterId = entry.clusterId;
  const exclusion = model.exclusions.get(incident.id);
  if (exclusion !== undefined && resolveClusterId(model.aliases, exclusion.clusterId) === clusterId) {
    clusterId = resolveClusterId(model.aliases, exclusion.targetId);
  } else {
    for (const rule of model.splitRules.get(clusterId) ?? []) {
      if (rule.pattern(tokens, splitTokens(text))) {
        clusterId = resolveClusterId(model.aliases, rule.targetId);
        break;
      }
    }
  }
  const template = templateText(model, group.id);
  let cluster = model.clusters.get(clusterId);
  if (cluster === undefined) {
    cluster = { id: clusterId, template, size: 0 };
    model.clusters.set(clusterId, cluster);
  }
  cluster.size++;
  const at = incident.createdAt ? Date.parse(incident.createdAt) : Number.NaN;
  if (!Number.isNaN(at)) {
    if (cluster.firstSeen === undefined || at < Date.parse(cluster.firstSeen)) cluster.firstSeen = incident.createdAt!;
    if (cluster.lastSeen === undefined || at > Date.parse(cluster.lastSeen)) cluster.lastSeen = incident.createdAt!;
  }
  return { incidentId: incident.id, clusterId, templateId: group.id, template };
}

function count(counts: Map<string, number>, value: string | null | undefined): void {
  if (value === undefined || value === null || value === '') return;
  const current = counts.get(value);
  if (current !== undefined) counts.set(value, current + 1);
  else if (counts.size < MAX_TRACKED_VALUES) counts.set(value, 1);
}

function placeNewTemplate(model: ClusterModel, group: TemplateGroup): ModelTemplate {
  const entry: ModelTemplate = { clusterId: '', slots: [], services: new Map(), sources: new Map() };
  const index = (model.onlineIndex ??= buildOnlineIndex(model));
  const merging = model.settings.merging;
  const concepts = templateConcepts(group.tokens);

  if (merging.enabled) {
    // A known variable word slot: "session closed for user <*>" takes "session closed for user alice".
    const skeleton = templateSkeleton(group.tokens);
    for (let i = 0; i < skeleton.length && entry.clusterId === ''; i++) {
      if (skeleton[i] === '*' || skeleton[i] === WILDCARD) continue;
      const clusterId = index.slotKeys.get(slotKey(skeleton, i));
      if (clusterId !== undefined) {
        entry.clusterId = clusterId;
        entry.slots = [i];
      }
    }
    // Otherwise the recluster's text rule against the model's templates: the same wording, judged by concepts.
    if (entry.clusterId === '') {
      const mine = concepts;
      let best = -1;
      for (const [templateId, other] of index.concepts) {
        const template = model.templates.get(templateId);
        if (template === undefined) continue;
        const { jaccard } = index.space.overlap(concepts, other);
        if (jaccard < merging.threshold || jaccard <= best) continue;
        const clusterConcepts = index.clusterConcepts.get(template.clusterId) ?? other;
        if (conceptsConflict(mine, clusterConcepts)) continue;
        if (entityKindsConflict(entityKinds(group.tokens), entityKinds(model.miner.groups[templateId]?.tokens ?? []))) continue;
        if (merging.wordingMustNest && !nestedConcepts(mine, clusterConcepts)) continue;
        best = jaccard;
        entry.clusterId = template.clusterId;
      }
    }
  }
  if (entry.clusterId === '') {
    const text = group.tokens.join(' ');
    entry.clusterId = uniqueClusterId(anchoredClusterId(text), new Set(model.clusters.keys()));
  }
  model.templates.set(group.id, entry);
  index.concepts.set(group.id, concepts);
  const clusterConcepts = index.clusterConcepts.get(entry.clusterId) ?? new Map<string, number>();
  unionConcepts(clusterConcepts, concepts);
  index.clusterConcepts.set(entry.clusterId, clusterConcepts);
  return entry;
}

function buildOnlineIndex(model: ClusterModel): OnlineIndex {
  const index: OnlineIndex = { space: new ConceptSpace(), concepts: new Map(), clusterConcepts: new Map(), slotKeys: new Map() };
  for (const [templateId, template] of model.templates) {
    const group = model.miner.groups[templateId];
    if (group === undefined) continue;
    const display = group.tokens.map((t, i) => (template.slots.includes(i) ? WILDCARD : t));
    const concepts = templateConcepts(display);
    index.concepts.set(templateId, concepts);
    index.space.add(concepts);
    const clusterConcepts = index.clusterConcepts.get(template.clusterId) ?? new Map<string, number>();
    unionConcepts(clusterConcepts, concepts);
    index.clusterConcepts.set(template.clusterId, clusterConcepts);
    const skeleton = templateSkeleton(display);
    for (const slot of template.slots) index.slotKeys.set(slotKey(skeleton, slot), template.clusterId);
  }
  return index;
}

export function serializeClusterModel(model: ClusterModel): ClusterModelState {
  const record = (counts: Map<string, number>) => (counts.size === 0 ? undefined : Object.fromEntries(counts));
  return {
    version: 2,
    settings: JSON.parse(JSON.stringify(model.settings)) as ClusteringSettings,
    miner: serializeTemplateMiner(model.miner),
    templates: [...model.templates].map(([id, t]) => {
      const state: ClusterModelState['templates'][number] = { id, clusterId: t.clusterId };
      if (t.slots.length > 0) state.slots = t.slots.slice();
      const services = record(t.services);
      const sources = record(t.sources);
      if (services) state.services = services;
      if (sources) state.sources = sources;
      return state;
    }),
    clusters: [...model.clusters.values()].map((c) => ({ ...c })),
    feedback: JSON.parse(JSON.stringify(model.feedback)) as ClusterFeedback[],
    ...(model.typos.size > 0 ? { typos: Object.fromEntries(model.typos) } : {}),
  };
}

export function loadClusterModel(state: ClusterModelState): ClusterModel {
  if (state.version !== 1 && state.version !== 2) throw new Error(`unsupported cluster model state version ${String(state.version)}`);
  // Version 1 settings name knobs that no longer exist (text/service/source weights) and an older threshold scale.
  const settings = resolveClusteringSettings(state.version === 1 ? {} : state.settings);
  const templates = new Map<number, ModelTemplate>(
    state.templates.map((t) => [
      t.id,
      {
        clusterId: t.clusterId,
        slots: t.slots?.slice() ?? [],
        services: new Map(Object.entries(t.services ?? {})),
        sources: new Map(Object.entries(t.sources ?? {})),
      },
    ]),
  );
  const clusters = new Map(state.clusters.map((c) => [c.id, { ...c }]));
  return buildModel(settings, loadTemplateMiner(state.miner), state.feedback, templates, clusters, new Map(Object.entries(state.typos ?? {})));
}

/** Tokens with the account's known typos read as their words; the same array when none is one. */
export function correctTypos(tokens: readonly string[], typos: ReadonlyMap<string, string>): readonly string[] {
  if (typos.size === 0 || !tokens.some((t) => typos.has(t))) return tokens;
  return tokens.map((t) => typos.get(t) ?? t);
}

/**
 * People's typing: a word of five letters or more that is one swap of neighbouring letters away from a word the
 * account's titles use at least three times as often, and at least three times (`sreving` → `serving`,
 * `CrsahLoopBackOff` → `CrashLoopBackOff`), is read as that word. `counts` are the plain-word tokens of every title.
 * (The lexicon's own `correctTypo` reads a word one edit from one of its words as that concept; this reads tokens
 * against the account's words, known to the lexicon or not, before mining, so a typo joins its template.)
 */
export function findTypos(counts: ReadonlyMap<string, number>): Map<string, string> {
  const found: Array<{ word: string; fix: string; n: number }> = [];
  for (const [word, n] of counts) {
    if (!TYPO_WORD.test(word)) continue;
    let best: string | undefined;
    let bestCount = Math.max(TYPO_MIN_SUPPORT, TYPO_RATIO * n);
    for (let i = 0; i + 1 < word.length; i++) {
      if (word[i] === word[i + 1]) continue;
      const swapped = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
      const m = counts.get(swapped) ?? 0;
      if (m >= bestCount) {
        best = swapped;
        bestCount = m;
      }
    }
    if (best !== undefined) found.push({ word, fix: best, n });
  }
  // Whatever order the titles came in: the commonest typos first when there are too many, then by word.
  found.sort((a, b) => b.n - a.n || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  const kept = found.slice(0, MAX_TYPOS).sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  return new Map(kept.map((t) => [t.word, t.fix]));
}
export const TYPO_WORD = /^[A-Za-z]{5,}$/;
const TYPO_MIN_SUPPORT = 3;
const TYPO_RATIO = 3;
/** Bounds the model's state: typos beyond this many are left as written. */
const MAX_TYPOS = 10_000;
