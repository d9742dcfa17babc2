// The full clustering pass: mine templates over all incidents in a fixed order, merge templates into clusters, keep
// the previous run's cluster ids, and re-apply user feedback. Deterministic for the same input.
import {
  NO_INCIDENTS,
  TYPO_WORD,
  buildModel,
  correctTypos,
  findTypos,
  incidentText,
  loadClusterModel,
  templateText,
  type ClusterIncident,
  type ClusterModel,
  type ClusterModelState,
  type IncidentAssignment,
  type ModelCluster,
  type ModelTemplate,
} from './cluster-model.ts';
import { applyFeedback, resolveClusterId, type ClusterFeedback, type ClusterTable } from './feedback.ts';
import { compileMasker, splitTokens } from './masking.ts';
import { resolveClusteringSettings, type ClusteringSettings, type ClusteringSettingsOverrides } from './settings.ts';
import { assignStableIds, type PreviousClustering, type UnnamedCluster } from './stable-ids.ts';
import { entityValueCore, keySubjects, mergeTemplates, namesNoCondition, usableEntityName, type TemplateProfile } from './template-merge.ts';
import { countCooccurrences, entityHash, type CooccurrenceCounts } from './cooccurrence.ts';
import { WILDCARD, addIncidentTokens, createTemplateMiner, type TemplateMiner } from './template-miner.ts';

export interface ReclusterInput {
  incidents: readonly ClusterIncident[];
  /** The account's settings (overrides of the defaults); a previous model's settings when omitted. */
  settings?: ClusteringSettingsOverrides;
  previous?: {
    /** The previous model, live or as persisted. */
    model?: ClusterModel | ClusterModelState;
    /** Incident id → cluster id as stored after the previous run (and online assignments since). */
    assignments?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  };
  /** All feedback so far, oldest first; the previous model's feedback when omitted. */
  feedback?: readonly ClusterFeedback[];
}

export interface ClusterRecord {
  id: string;
  name?: string;
  /** The most frequent template. */
  template: string;
  /** All its templates, most frequent first. */
  templates: string[];
  size: number;
  firstSeen?: string;
  lastSeen?: string;
}

export interface ReclusterResult {
  model: ClusterModel;
  /** One per input incident, in input order. */
  assignments: IncidentAssignment[];
  /** Largest first. */
  clusters: ClusterRecord[];
  /** Feedback items that had nothing to act on in this run (their index in the feedback list and why). */
  unresolvedFeedback: Array<{ index: number; reason: string }>;
}

/** Injected embedding function: one vector per text, in order. Only called when configured. */
export type EmbedTemplates = (texts: string[]) => Promise<number[][]>;

export class DuplicateIncidentError extends Error {
  readonly incidentId: string;
  constructor(incidentId: string) {
    super(`incident id "${incidentId}" appears more than once`);
    this.incidentId = incidentId;
    this.name = 'DuplicateIncidentError';
  }
}

/** Mined templates of a recluster, before they are merged into clusters. */
interface MinedIncidents {
  input: ReclusterInput;
  settings: ClusteringSettings;
  feedback: readonly ClusterFeedback[];
  previousModel: ClusterModel | undefined;
  miner: TemplateMiner;
  /** Incident indices in processing order. */
  order: number[];
  /** Creation time per incident in ms, -Infinity when unknown. */
  times: number[];
  templateOf: Int32Array;
  profiles: TemplateProfile[];
  cooccurrence: CooccurrenceCounts | undefined;
  entityValues: Set<string>;
  namesWhereNamesGo: Set<string>;
  typos: Map<string, string>;
}

/** Full recluster on text similarity alone. */
export function recluster(input: ReclusterInput): ReclusterResult {
  return finish(mine(input), undefined);
}

/** Full recluster where template similarity also weighs the cosine of embeddings from `embed`. */
export async function reclusterWithEmbeddings(input: ReclusterInput, embed: EmbedTemplates): Promise<ReclusterResult> {
  const mined = mine(input);
  const texts = mined.profiles.map((p) => p.tokens.join(' '));
  const vectors = texts.length === 0 ? [] : await embed(texts);
  if (vectors.length !== texts.length) {
    throw new Error(`embedding function returned ${vectors.length} vectors for ${texts.length} templates`);
  }
  return finish(mined, vectors);
}

function mine(input: ReclusterInput): MinedIncidents {
  const previousModel =
    input.previous?.model === undefined
      ? undefined
      : 'masker' in input.previous.model
        ? input.previous.model
        : loadClusterModel(input.previous.model);
  const settings = resolveClusteringSettings(input.settings ?? previousModel?.settings ?? {});
  const feedback = input.feedback ?? previousModel?.feedback ?? [];
  const incidents = input.incidents;

  // Ids in increasing order (as exports often list them) are distinct without a set of them all.
  let increasing = true;
  for (let i = 1; i < incidents.length && increasing; i++) increasing = incidents[i - 1]!.id < incidents[i]!.id;
  if (!increasing) {
    const seen = new Set<string>();
    for (const incident of incidents) {
      if (seen.has(incident.id)) throw new DuplicateIncidentError(incident.id);
      seen.add(incident.id);
    }
  }
  // Drain depends on arrival order, so the pass runs in time order (then id), whatever order the caller used.
  const times = incidents.map((incident) => {
    const t = incident.createdAt ? Date.parse(incident.createdAt) : Number.NaN;
    return Number.isNaN(t) ? -Infinity : t;
  });
  const order = incidents.map((_, i) => i);
  order.sort((a, b) => times[a]! - times[b]! || compareIds(incidents[a]!.id, incidents[b]!.id));

  const masker = compileMasker(settings.masking);
  const texts = incidents.map((incident) => incidentText(incident, settings));
  // People's typos, read against the words of every title (each distinct text masked once; the pass below then
  // finds most of them in the masker's memo).
  const typos = accountTypos(texts, (text) => masker.maskTokensForReading(text));
  const miner = createTemplateMiner(settings.mining, settings.masking.digitTokensAreVariables);
  const templateOf = new Int32Array(incidents.length);
  const entities: number[][] = new Array(incidents.length);
  // Plain words that may turn out to name an entity known from tags elsewhere: hashed now, kept if they do.
  const wordEntities: number[][] = new Array(incidents.length);
  const entityValues = new Set<string>();
  const lexiconNames = new Map<string, number>();
  // What the tags said each name is (`functionname:pdf-renderer` → a Lambda function): concepts by name.
  const entityTypes = new Map<string, Set<string>>();
  const checkedNames = new Map<string, boolean>();
  const usable = (name: string): boolean => {
    let ok = checkedNames.get(name);
    if (ok === undefined) {
      ok = usableEntityName(name);
      if (checkedNames.size < 200_000) checkedNames.set(name, ok);
    }
    return ok;
  };
  // A title that comes again (an alert firing again) names the same entities: worked out once per text and service
  // (what they report to the sets above is there from the first time). So the callback below runs once per distinct
  // text and service, not once per incident: whatever it counts, it counts distinct titles.
  const entitiesByService = new Map<string, Map<string, { entities: number[]; words: number[] }>>();
  let remembered = 0;
  for (const index of order) {
    const incident = incidents[index]!;
    const text = texts[index]!;
    const masked = correctTypos(masker.maskTokensForReading(text), typos);
    templateOf[index] = addIncidentTokens(miner, masked, true).group.id;
    let byText = entitiesByService.get(incident.service || '');
    if (byText === undefined) entitiesByService.set(incident.service || '', (byText = new Map()));
    let found = byText.get(text);
    if (found === undefined) {
      found = {
        entities: incidentEntities(masked, text, incident.service, (name, key) => {
          if (!usable(name)) {
            // A tag value that is also one of the lexicon's words (a service called `subscriptions`, a namespace
            // `backend`): counted, and a name where titles put names, once seen in three titles.
            if (/^[a-z]{3,}$/.test(name)) lexiconNames.set(name, (lexiconNames.get(name) ?? 0) + 1);
            return;
          }
          entityValues.add(name);
          const types = keySubjects(key);
          if (types.length === 0) return;
          let known = entityTypes.get(name);
          if (known === undefined) entityTypes.set(name, (known = new Set()));
          for (const type of types) known.add(type);
        }),
        words: plainWordHashes(masked, usable),
      };
      if (remembered++ < 100_000) byText.set(text, found);
    }
    // Shared by the title's repeats until one gains an entity below (then it gets its own copy).
    entities[index] = found.entities;
    wordEntities[index] = found.words;
  }
  // Per template, what its incidents' named entities are known to be (by incidents).
  const templateTypes = miner.groups.map(() => new Map<string, number>());
  if (entityValues.size > 0) {
    const known = new Set([...entityValues].map(entityHash));
    // A name tagged as several kinds of thing (a queue and a database both called `orders`) says nothing.
    const typesOf = new Map([...entityTypes].filter(([, types]) => types.size === 1).map(([name, types]) => [entityHash(name), [...types]]));
    const ownEntities = new Uint8Array(incidents.length);
    for (let i = 0; i < incidents.length; i++) {
      let seen: Set<string> | undefined;
      for (const hash of wordEntities[i]!) {
        if (!known.has(hash)) continue;
        if (!entities[i]!.includes(hash)) {
          if (ownEntities[i] === 0) {
            entities[i] = entities[i]!.slice();
            ownEntities[i] = 1;
          }
          entities[i]!.push(hash);
        }
        for (const type of typesOf.get(hash) ?? []) (seen ??= new Set()).add(type);
      }
      if (seen === undefined) continue;
      const counts = templateTypes[templateOf[i]!]!;
      for (const type of seen) counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  }
  const services = miner.groups.map(() => new Map<string, number>());
  const sources = miner.groups.map(() => new Map<string, number>());
  for (let i = 0; i < incidents.length; i++) {
    const { service, source } = incidents[i]!;
    const template = templateOf[i]!;
    if (service) services[template]!.set(service, (services[template]!.get(service) ?? 0) + 1);
    if (source) sources[template]!.set(source, (sources[template]!.get(source) ?? 0) + 1);
  }
  const profiles: TemplateProfile[] = miner.groups.map((g, k) => {
    const profile: TemplateProfile = { tokens: g.tokens, count: g.count, services: services[k]!, sources: sources[k]! };
    const types = [...templateTypes[k]!].filter(([, n]) => n * 2 >= g.count).map(([type]) => type);
    if (types.length > 0) profile.entityTypes = types;
    return profile;
  });
  // Without times (a log file, a CSV without dates) nothing can meet in time.
  const timed = times.some((t) => t !== -Infinity);
  const cooccurrence = settings.merging.enabled && timed
    ? countCooccurrences(
        incidents.map((_, i) => ({ time: times[i]!, template: templateOf[i]!, entities: entities[i]! })),
        settings.merging.cooccurrenceWindowMinutes * 60_000,
      )
    : undefined;
  const namesWhereNamesGo = new Set([...lexiconNames].filter(([name, n]) => n >= 3 && namesNoCondition(name)).map(([name]) => name));
  return { input, settings, feedback, previousModel, miner, order, times, templateOf, profiles, cooccurrence, entityValues, namesWhereNamesGo, typos };
}

// Placeholders that stand for an entity (what co-occurrence is judged on), not for an amount or a time.
const ENTITY_PLACEHOLDER = /<(?:HOST|IP|POD|VALUE|URL|EMAIL|UUID|MAC)>/;
const NAME_TOKEN = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+$/;
const EDGE = /^[("'[{\uE000]+|[)"',.:;\]}]+$/g;
/** Hashes of an incident's plain words that could name an entity (see `usableEntityName`), at most a few. */
function plainWordHashes(masked: readonly string[], usable: (name: string) => boolean): number[] {
  const out: number[] = [];
  for (const token of masked) {
    if (token.includes('<') || token.length < 3) continue;
    const core = entityValueCore(token);
    if (core.length >= 3 && usable(core)) {
      out.push(entityHash(core));
      const short = shortEntityName(core);
      if (short !== undefined && short !== core) out.push(entityHash(short));
      if (out.length >= MAX_ENTITIES) break;
    }
  }
  return out;
}

const POD_SUFFIX = /-[bcdfghjklmnpqrstvwxz2456789]{8,10}(?:-[bcdfghjklmnpqrstvwxz2456789]{5})?$|-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
/**
 * The short name of an entity value, or undefined when it has none: without a port, a namespace, a domain (when the
 * first label names a machine) or a pod's generated suffix.
 */
export function shortEntityName(value: string): string | undefined {
  let name = value.toLowerCase();
  if (/^[a-z]+:\/\//.test(name)) return undefined;
  name = name.replace(/:\d{1,5}$/, '');
  const slash = name.lastIndexOf('/');
  if (slash !== -1 && !name.startsWith('/')) name = name.slice(slash + 1);
  const colon = name.indexOf(':');
  if (colon > 0) name = name.slice(0, colon);
  if (!/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) && name.includes('.')) {
    const first = name.slice(0, name.indexOf('.'));
    if (first.length >= 3) name = first;
  }
  const owner = name.replace(POD_SUFFIX, '');
  if (owner.length >= 3 && owner !== name && /[a-z]/.test(owner)) name = owner;
  return name.length >= 2 ? name : undefined;
}

/** The value of a raw tag or label token: after `key:` / `key=` or the entity mark. */
function labelValue(raw: string): string {
  const mark = raw.indexOf('\uE000');
  const value = mark !== -1 ? raw.slice(mark + 1) : (/[=:]"?([^\s,;)\]}"=]+)/.exec(raw)?.[1] ?? raw);
  return value.replace(EDGE, '');
}
/** At most this many entities of one incident count, so a long list of hosts does not dominate. */
const MAX_ENTITIES = 4;

/**
 * Hashed entity values of an incident (its masked entities' raw text, names such as `payments-api`, its service),
 * reporting the names of tag and label values (`<VALUE>`) with their key (`functionname`, or '' when unkeyed) to
 * `named` on the way.
 */
function incidentEntities(
  masked: readonly string[],
  text: string,
  service: string | null | undefined,
  named: (name: string, key: string) => void,
): number[] {
  const out: number[] = [];
  let raw: string[] | undefined;
  for (let i = 0; i < masked.length; i++) {
    const token = masked[i]!;
    if (token.includes('<') ? ENTITY_PLACEHOLDER.test(token) : NAME_TOKEN.test(token.replace(EDGE, ''))) {
      raw ??= splitTokens(text);
      const rawToken = raw[i] ?? token;
      const isLabel = token.includes('<VALUE>');
      const value = isLabel ? labelValue(rawToken) : rawToken.replace(EDGE, '');
      if (value === '') continue;
      if (out.length < MAX_ENTITIES) {
        out.push(entityHash(value));
        // Tools name one thing differently: `db-3:9100`, `db-3.prod.example.com`, `checkout-7d4b9c8f5-x2k9p` (a pod
        // of `checkout`), `data/auth-…`; the entity's short name meets them all.
        const short = shortEntityName(value);
        if (short !== undefined && short !== value) out.push(entityHash(short));
      }
      if (isLabel) named(entityValueCore(value), /^[^a-z]*([a-z][a-z_.-]*)[:=]/.exec(token)?.[1] ?? '');
    }
  }
  if (service) out.push(entityHash(`service:${service}`));
  return out;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function finish(mined: MinedIncidents, embeddings: number[][] | undefined): ReclusterResult {
  const { input, settings, feedback, miner, order, times, templateOf } = mined;
  const incidents = input.incidents;
  const profiles = embeddings === undefined ? mined.profiles : mined.profiles.map((p, i) => ({ ...p, embedding: embeddings[i]! }));
  const merged = mergeTemplates(profiles, settings.merging, {
    ...(mined.cooccurrence ? { cooccurrence: mined.cooccurrence } : {}),
    entityValues: mined.entityValues,
    namesWhereNamesGo: mined.namesWhereNamesGo,
  });
  const displayText = merged.displayTokens.map((tokens) => tokens.join(' '));

  // Clusters in the order of their first incident, so that positions (and hashed ids on collision) are stable.
  const clusterIndexOfRoot = new Map<number, number>();
  const unnamed: Array<UnnamedCluster & { members: number[]; templateIds: number[] }> = [];
  for (const index of order) {
    const templateId = templateOf[index]!;
    const root = merged.groupOf[templateId]!;
    let position = clusterIndexOfRoot.get(root);
    if (position === undefined) {
      position = unnamed.length;
      clusterIndexOfRoot.set(root, position);
      unnamed.push({ members: [], templates: [], templateIds: [] });
    }
    unnamed[position]!.members.push(index);
  }
  miner.groups.forEach((group) => {
    unnamed[clusterIndexOfRoot.get(merged.groupOf[group.id]!)!]!.templateIds.push(group.id);
  });
  for (const cluster of unnamed) {
    cluster.templateIds.sort((a, b) => miner.groups[b]!.count - miner.groups[a]!.count || a - b);
    cluster.templates = cluster.templateIds.map((id) => displayText[id]!);
  }

  const rules = applyFeedback(new Map(), feedback, NO_INCIDENTS);
  const ids = assignStableIds(unnamed, previousClustering(mined, rules));

  const table: ClusterTable = new Map();
  unnamed.forEach((cluster, position) => {
    const id = ids[position]!;
    const entry = table.get(id);
    if (entry === undefined) table.set(id, { members: cluster.members.slice() });
    else entry.members.push(...cluster.members);
  });
  const indexOfIncident = new Map<string, number>();
  const masker = compileMasker(settings.masking);
  const applied = applyFeedback(table, feedback, {
    incidentIndex: (incidentId) => {
      if (indexOfIncident.size === 0) incidents.forEach((incident, i) => indexOfIncident.set(incident.id, i));
      return indexOfIncident.get(incidentId);
    },
    maskedTokens: (index) => correctTypos(masker.maskTokens(incidentText(incidents[index]!, settings)), mined.typos).slice(),
    rawTokens: (index) => splitTokens(incidentText(incidents[index]!, settings)),
  });

  // Templates follow their cluster through merges; splits and exclusions stay per-incident rules.
  const templates = new Map<number, ModelTemplate>();
  unnamed.forEach((cluster, position) => {
    const clusterId = resolveClusterId(applied.aliases, ids[position]!);
    for (const templateId of cluster.templateIds) {
      const profile = profiles[templateId]!;
      const slots: number[] = [];
      merged.displayTokens[templateId]!.forEach((token, i) => {
        if (token === WILDCARD && miner.groups[templateId]!.tokens[i] !== WILDCARD) slots.push(i);
      });
      templates.set(templateId, {
        clusterId,
        slots,
        services: topCounts(profile.services),
        sources: topCounts(profile.sources),
      });
    }
  });

  const clusterOf: string[] = new Array(incidents.length);
  const records: ClusterRecord[] = [];
  const modelClusters = new Map<string, ModelCluster>();
  for (const [id, entry] of table) {
    if (entry.members.length === 0) continue;
    const perTemplate = new Map<number, number>();
    let first = -1;
    let last = -1;
    for (const member of entry.members) {
      clusterOf[member] = id;
      perTemplate.set(templateOf[member]!, (perTemplate.get(templateOf[member]!) ?? 0) + 1);
      const at = times[member]!;
      if (at === -Infinity) continue;
      if (first === -1 || at < times[first]!) first = member;
      if (last === -1 || at > times[last]!) last = member;
    }
    const firstSeen = first === -1 ? undefined : incidents[first]!.createdAt!;
    const lastSeen = last === -1 ? undefined : incidents[last]!.createdAt!;
    // Templates that read the same once merged (slots and known entities generalised) are listed once, counted together.
    const byText = new Map<string, { count: number; first: number }>();
    for (const [templateId, n] of perTemplate) {
      const text = displayText[templateId]!;
      const seen = byText.get(text);
      if (seen === undefined) byText.set(text, { count: n, first: templateId });
      else byText.set(text, { count: seen.count + n, first: Math.min(seen.first, templateId) });
    }
    const ranked = [...byText].sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first).map(([text]) => text);
    const record: ClusterRecord = { id, template: ranked[0]!, templates: ranked, size: entry.members.length };
    if (entry.name !== undefined) record.name = entry.name;
    if (firstSeen !== undefined) record.firstSeen = firstSeen;
    if (lastSeen !== undefined) record.lastSeen = lastSeen;
    records.push(record);
    const modelCluster: ModelCluster = { id, template: record.template, size: record.size };
    if (record.name !== undefined) modelCluster.name = record.name;
    if (firstSeen !== undefined) modelCluster.firstSeen = firstSeen;
    if (lastSeen !== undefined) modelCluster.lastSeen = lastSeen;
    modelClusters.set(id, modelCluster);
  }
  records.sort((a, b) => b.size - a.size || compareIds(a.id, b.id));

  const model = buildModel(settings, miner, feedback, templates, modelClusters, mined.typos);
  const assignments = incidents.map((incident, i) => ({
    incidentId: incident.id,
    clusterId: clusterOf[i]!,
    templateId: templateOf[i]!,
    template: templateText(model, templateOf[i]!),
  }));
  return { model, assignments, clusters: records, unresolvedFeedback: applied.unresolved };
}

function previousClustering(
  mined: MinedIncidents,
  rules: ReturnType<typeof applyFeedback>,
): PreviousClustering | undefined {
  const { input, previousModel } = mined;
  const raw = input.previous?.assignments;
  if (raw === undefined && previousModel === undefined) return undefined;
  const assignments: ReadonlyMap<string, string> =
    raw === undefined ? new Map() : raw instanceof Map ? raw : new Map(Object.entries(raw));
  // Clusters made by feedback (split parts, excluded incidents) count as their origin when ids are matched, so the
  // origin keeps its id and the feedback, re-applied, makes the same parts again.
  const origin = new Map<string, string>();
  for (const rule of rules.splitRules) origin.set(rule.targetId, rule.clusterId);
  for (const { clusterId, targetId } of rules.exclusions.values()) origin.set(targetId, clusterId);
  const toOrigin = (id: string): string => {
    let current = id;
    for (let hops = 0; hops <= origin.size; hops++) {
      const next = origin.get(current);
      if (next === undefined) break;
      current = resolveClusterId(rules.aliases, next);
    }
    return current;
  };
  const incidents = input.incidents;
  const templateOwners = new Map<string, string>();
  if (previousModel !== undefined) {
    for (const [templateId, template] of previousModel.templates) {
      if (previousModel.miner.groups[templateId] === undefined) continue;
      templateOwners.set(templateText(previousModel, templateId), template.clusterId);
    }
  }
  const mergeTargets = new Set<string>();
  for (const item of mined.feedback) if (item.kind === 'merge') mergeTargets.add(resolveClusterId(rules.aliases, item.intoClusterId));
  return {
    clusterOf: (index) => {
      const old = assignments.get(incidents[index]!.id);
      return old === undefined ? undefined : toOrigin(resolveClusterId(rules.aliases, old));
    },
    templateOwners,
    mergeTargets,
  };
}

function topCounts(counts: ReadonlyMap<string, number>, limit = 16): Map<string, number> {
  if (counts.size <= limit) return new Map(counts);
  return new Map([...counts].sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0])).slice(0, limit));
}

/** Plain-word counts over every incident's text (each distinct text read once), and the typos they show. */
function accountTypos(texts: readonly string[], tokensOf: (text: string) => readonly string[]): Map<string, string> {
  const distinct = new Map<string, number>();
  for (const text of texts) distinct.set(text, (distinct.get(text) ?? 0) + 1);
  const counts = new Map<string, number>();
  for (const [text, n] of distinct) {
    for (const token of tokensOf(text)) if (TYPO_WORD.test(token)) counts.set(token, (counts.get(token) ?? 0) + n);
  }
  return findTypos(counts);
}
