// Comparing runbook versions (which steps were added, removed or changed, and which fields) and settling each step's
// risk against the rules: pure, for the library's API and for drafts.
import { escalate } from './command-risk/index.ts';
import type { RunbookStep, StepRisk } from './runbook-types.ts';

type PlacedStep = { index: number; step: RunbookStep };
export type StepField = 'title' | 'command' | 'targetType' | 'explanation' | 'risk';
export type StepChange =
  | { change: 'added'; to: PlacedStep }
  | { change: 'removed'; from: PlacedStep }
  | { change: 'changed'; from: PlacedStep; to: PlacedStep; fields: StepField[] };
export type FieldChange =
  | { field: 'title'; from: string; to: string }
  | { field: 'description'; from: string; to: string }
  | { field: 'tags'; from: string[]; to: string[]; added: string[]; removed: string[] };
export interface RunbookDiff {
  runbookId: string;
  from: number;
  to: number;
  fields: FieldChange[];
  steps: StepChange[];
}

export type RiskRaised = { step: number; stated: StepRisk; risk: StepRisk };

/**
 * Each step's risk as stored: the stated one, raised to the rule-based classification of its command when that is
 * higher, so the library never calls `kubectl delete` read-only whoever (or whatever model) wrote it.
 */
export function settleRisks(steps: RunbookStep[]): { steps: RunbookStep[]; raised: RiskRaised[] } {
  const raised: RiskRaised[] = [];
  const settled = steps.map((step, i) => {
    const risk = escalate(step.risk, step.command, step.targetType);
    if (risk === step.risk) return step;
    raised.push({ step: i, stated: step.risk, risk });
    return { ...step, risk };
  });
  return { steps: settled, raised };
}

const STEP_FIELDS: StepField[] = ['title', 'command', 'targetType', 'explanation', 'risk'];
const titleKey = (step: RunbookStep) => step.title.trim().toLowerCase();

/**
 * What changed between two versions' steps. Steps are matched by title along a longest common subsequence (so a step
 * inserted or removed shifts nothing); between two matched steps, the leftovers are paired by position as edits
 * (a renamed step is `changed`, title included), and what remains is added or removed.
 */
export function diffSteps(from: RunbookStep[], to: RunbookStep[]): StepChange[] {
  const n = from.length;
  const m = to.length;
  // lcs[i][j]: the longest common subsequence of titles of from[i..] and to[j..]; at most 50 × 50.
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = titleKey(from[i]!) === titleKey(to[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const changes: StepChange[] = [];
  const pair = (i: number, j: number) => {
    const fields = STEP_FIELDS.filter((f) => from[i]![f] !== to[j]![f]);
    if (fields.length) changes.push({ change: 'changed', from: { index: i, step: from[i]! }, to: { index: j, step: to[j]! }, fields });
  };
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) pair(removed[k]!, added[k]!);
    for (const i of removed.slice(paired)) changes.push({ change: 'removed', from: { index: i, step: from[i]! } });
    for (const j of added.slice(paired)) changes.push({ change: 'added', to: { index: j, step: to[j]! } });
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (titleKey(from[i]!) === titleKey(to[j]!) && lcs[i]![j] === lcs[i + 1]![j + 1]! + 1) {
      flush();
      pair(i++, j++);
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      removed.push(i++);
    } else {
      added.push(j++);
    }
  }
  while (i < n) removed.push(i++);
  while (j < m) added.push(j++);
  flush();
  return changes;
}

export type RunbookContent = { title: string; description: string; tags: string[]; steps: RunbookStep[] };

export function diffRunbooks(runbookId: string, a: RunbookContent & { version: number }, b: RunbookContent & { version: number }): RunbookDiff {
  const fields: FieldChange[] = [];
  if (a.title !== b.title) fields.push({ field: 'title', from: a.title, to: b.title });
  if (a.description !== b.description) fields.push({ field: 'description', from: a.description, to: b.description });
  const addedTags = b.tags.filter((t) => !a.tags.includes(t));
  const removedTags = a.tags.filter((t) => !b.tags.includes(t));
  if (addedTags.length || removedTags.length) fields.push({ field: 'tags', from: a.tags, to: b.tags, added: addedTags, removed: removedTags });
  return { runbookId, from: a.version, to: b.version, fields, steps: diffSteps(a.steps, b.steps) };
}
