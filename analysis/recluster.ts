// The full clustering pass: mine templates over all incidents in a fixed order, merge templates into clusters, keep
// the previous run's cluster ids, and re-apply user feedback. Deterministic for the same input.
import {
  NO_INCIDENTS,
  buildModel,
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
import { mergeTemplates, type TemplateProfile } from './template-merge.ts';
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
  constructor(readonly incidentId: string) {
    super(`incident id "${incidentId}" appears more than once`);
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

  const seen = new Set<string>();
  for (const incident of incidents) {
    if (seen.has(incident.id)) throw new DuplicateIncidentError(incident.id);
    seen.add(incident.id);
  }
  // Drain depends on arrival order, so the pass runs in time order (then id), whatever order the caller used.
  const times = incidents.map((incident) => {
    const t = incident.createdAt ? Date.parse(incident.createdAt) : Number.NaN;
    return Number.isNaN(t) ? -Infinity : t;
  });
  const order = incidents.map((_, i) => i);
  order.sort((a, b) => times[a]! - times[b]! || compareIds(incidents[a]!.id, incidents[b]!.id));

  const masker = compileMasker(settings.masking);
  const miner = createTemplateMiner(settings.mining, settings.masking.digitTokensAreVariables);
  const templateOf = new Int32Array(incidents.length);
  for (const index of order) {
    templateOf[index] = addIncidentTokens(miner, masker.maskTokens(incidentText(incidents[index]!, settings))).group.id;
  }
  const services = miner.groups.map(() => new Map<string, number>());
  const sources = miner.groups.map(() => new Map<string, number>());
  for (let i = 0; i < incidents.length; i++) {
    const { service, source } = incidents[i]!;
    const template = templateOf[i]!;
    if (service) services[template]!.set(service, (services[template]!.get(service) ?? 0) + 1);
    if (source) sources[template]!.set(source, (sources[template]!.get(source) ?? 0) + 1);
  }
  const profiles: TemplateProfile[] = miner.groups.map((g, k) => ({
    tokens: g.tokens,
    count: g.count,
    services: services[k]!,
    sources: sources[k]!,
  }));
  return { input, settings, feedback, previousModel, miner, order, times, templateOf, profiles };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function finish(mined: MinedIncidents, embeddings: number[][] | undefined): ReclusterResult {
  const { input, settings, feedback, miner, order, times, templateOf } = mined;
  const incidents = input.incidents;
  const profiles = embeddings === undefined ? mined.profiles : mined.profiles.map((p, i) => ({ ...p, embedding: embeddings[i]! }));
  const merged = mergeTemplates(profiles, settings.merging);
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
    maskedTokens: (index) => masker.maskTokens(incidentText(incidents[index]!, settings)),
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
    const ranked = [...perTemplate].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([templateId]) => displayText[templateId]!);
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

  const model = buildModel(settings, miner, feedback, templates, modelClusters);
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
