// User feedback on clusters as plain data (merge, split by template, rename, "not this pattern"), re-applied in order on
// every recluster so that what users said survives the machine's next opinion.
import { excludedClusterId, splitClusterId } from './cluster-ids.ts';
import { compileTemplatePattern, type TemplatePattern } from './template-pattern.ts';

interface FeedbackBase {
  /** When and by whom, for the audit trail; the engine ignores both. */
  at?: string;
  by?: string;
}
/** The incidents of `clusterId` belong to `intoClusterId`, which keeps its id and name. */
export interface MergeFeedback extends FeedbackBase {
  kind: 'merge';
  clusterId: string;
  intoClusterId: string;
}
/** The incidents of `clusterId` that fit `template` (e.g. `Disk pressure on <HOST>`) form a cluster of their own. */
export interface SplitFeedback extends FeedbackBase {
  kind: 'split';
  clusterId: string;
  template: string;
  name?: string;
}
export interface RenameFeedback extends FeedbackBase {
  kind: 'rename';
  clusterId: string;
  name: string;
}
/** The incident does not belong to `clusterId`; it is kept apart in a cluster of its own. */
export interface NotThisPatternFeedback extends FeedbackBase {
  kind: 'not-this-pattern';
  clusterId: string;
  incidentId: string;
}
export type ClusterFeedback = MergeFeedback | SplitFeedback | RenameFeedback | NotThisPatternFeedback;

/** A cluster while feedback is applied: its incidents (indices into the recluster's input) and its user-given name. */
export interface FeedbackCluster {
  members: number[];
  name?: string;
}
export type ClusterTable = Map<string, FeedbackCluster>;

export interface FeedbackContext {
  incidentIndex(incidentId: string): number | undefined;
  maskedTokens(index: number): readonly string[];
  rawTokens(index: number): readonly string[];
}

export interface SplitRule {
  /** The cluster the rule was given for, as given. */
  clusterId: string;
  template: string;
  pattern: TemplatePattern;
  targetId: string;
}

/** What applying the feedback left behind, for online assignment between two reclusters. */
export interface AppliedFeedback {
  /** Merged-away id → the id it went into (follow with `resolveClusterId`). */
  aliases: Map<string, string>;
  splitRules: SplitRule[];
  /** Incident id → the cluster it was taken out of and the one it lives in now. */
  exclusions: Map<string, { clusterId: string; targetId: string }>;
  /** Feedback that referred to clusters or incidents not present in this run (kept, but without effect now). */
  unresolved: Array<{ index: number; reason: string }>;
}

export function resolveClusterId(aliases: ReadonlyMap<string, string>, clusterId: string): string {
  let id = clusterId;
  // Merges form chains (a → b → c); the bound protects against a cycle that hand-edited feedback could create.
  for (let hops = 0; hops <= aliases.size; hops++) {
    const next = aliases.get(id);
    if (next === undefined || next === id) return id;
    id = next;
  }
  return id;
}

/** Applies feedback in list order to `table` (mutated): later items see the effect of earlier ones. */
export function applyFeedback(
  table: ClusterTable,
  feedback: readonly ClusterFeedback[],
  context: FeedbackContext,
): AppliedFeedback {
  const applied: AppliedFeedback = { aliases: new Map(), splitRules: [], exclusions: new Map(), unresolved: [] };
  const resolve = (id: string) => resolveClusterId(applied.aliases, id);
  const ensure = (id: string): FeedbackCluster => {
    let cluster = table.get(id);
    if (cluster === undefined) table.set(id, (cluster = { members: [] }));
    return cluster;
  };

  feedback.forEach((item, index) => {
    switch (item.kind) {
      case 'merge': {
        const from = resolve(item.clusterId);
        const into = resolve(item.intoClusterId);
        if (from === into) return;
        applied.aliases.set(from, into);
        const source = table.get(from);
        if (source === undefined) {
          // Usually the clusters already met: the previous run's members carried the merge into the id match.
          if (!table.has(into)) {
            applied.unresolved.push({ index, reason: `neither ${item.clusterId} nor ${item.intoClusterId} exists` });
          }
          return;
        }
        ensure(into).members.push(...source.members);
        table.delete(from);
        return;
      }
      case 'split': {
        const from = resolve(item.clusterId);
        const pattern = compileTemplatePattern(item.template);
        const targetId = splitClusterId(item.clusterId, item.template);
        applied.splitRules.push({ clusterId: item.clusterId, template: item.template, pattern, targetId });
        if (item.name !== undefined) ensure(targetId).name = item.name;
        const source = table.get(from);
        if (source === undefined) {
          applied.unresolved.push({ index, reason: `cluster ${item.clusterId} does not exist` });
          return;
        }
        const staying: number[] = [];
        const moving: number[] = [];
        for (const member of source.members) {
          (pattern(context.maskedTokens(member), context.rawTokens(member)) ? moving : staying).push(member);
        }
        source.members = staying;
        if (moving.length > 0) ensure(targetId).members.push(...moving);
        return;
      }
      case 'rename': {
        const id = resolve(item.clusterId);
        const cluster = table.get(id);
        if (cluster === undefined) applied.unresolved.push({ index, reason: `cluster ${item.clusterId} does not exist` });
        // The name is kept even for a cluster absent from this run, so it returns with the cluster.
        ensure(id).name = item.name;
        return;
      }
      case 'not-this-pattern': {
        const from = resolve(item.clusterId);
        const targetId = excludedClusterId(item.clusterId, item.incidentId);
        applied.exclusions.set(item.incidentId, { clusterId: item.clusterId, targetId });
        const member = context.incidentIndex(item.incidentId);
        const source = table.get(from);
        const position = member === undefined || source === undefined ? -1 : source.members.indexOf(member);
        if (position === -1) {
          applied.unresolved.push({ index, reason: `incident ${item.incidentId} is not in cluster ${item.clusterId}` });
          return;
        }
        source!.members.splice(position, 1);
        ensure(targetId).members.push(member!);
        return;
      }
    }
  });
  for (const [id, cluster] of table) if (cluster.members.length === 0) table.delete(id);
  return applied;
}

/** Rejects feedback that is not well-formed (an API boundary validates before it reaches a recluster). */
export function validateFeedback(feedback: readonly unknown[]): ClusterFeedback[] {
  return feedback.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null) throw new TypeError(`feedback[${index}] must be an object`);
    const item = raw as Partial<Record<string, unknown>>;
    const text = (key: string): string => {
      const value = item[key];
      if (typeof value !== 'string' || value === '') throw new TypeError(`feedback[${index}].${key} must be a non-empty string`);
      return value;
    };
    const audit: FeedbackBase = {};
    if (item.at !== undefined) audit.at = text('at');
    if (item.by !== undefined) audit.by = text('by');
    switch (item.kind) {
      case 'merge':
        return { kind: 'merge', clusterId: text('clusterId'), intoClusterId: text('intoClusterId'), ...audit };
      case 'split': {
        const split: SplitFeedback = { kind: 'split', clusterId: text('clusterId'), template: text('template'), ...audit };
        if (item.name !== undefined) split.name = text('name');
        return split;
      }
      case 'rename':
        return { kind: 'rename', clusterId: text('clusterId'), name: text('name'), ...audit };
      case 'not-this-pattern':
        return { kind: 'not-this-pattern', clusterId: text('clusterId'), incidentId: text('incidentId'), ...audit };
      default:
        throw new TypeError(`feedback[${index}].kind must be merge, split, rename or not-this-pattern`);
    }
  });
}
