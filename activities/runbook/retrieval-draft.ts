// A draft from retrieval alone, when no model may be asked: the steps of the two most similar runbooks (risks raised by
// the command rules, a read-only instruction held to), saying why.
import { escalate } from '../../analysis/runbooks/command-risk/index.ts';
import type { StepRisk, TargetType } from '../../analysis/runbooks/runbook-types.ts';
import type { StoredStep } from '../../db/runbooks.ts';
import type { DraftContext } from './context.ts';
import { MAX_STEPS, READ_ONLY_INSTRUCTION } from './reply.ts';

/** A draft from the best runbooks' steps alone, saying why no model was asked. */
export function retrievalDraft(ctx: DraftContext, reason: string) {
  const seen = new Set<string>();
  const steps: StoredStep[] = [];
  for (const r of ctx.runbooks.slice(0, 2)) {
    for (const s of r.steps) {
      if (seen.has(s.command) || steps.length >= MAX_STEPS) continue;
      seen.add(s.command);
      steps.push({ ...s, risk: escalate(s.risk as StepRisk, s.command, s.targetType as TargetType) });
    }
  }
  let kept = steps;
  const warnings = [`Retrieval only: ${reason}. The steps are taken from the most similar runbooks, not written for this incident.`];
  if (ctx.draft.instruction && READ_ONLY_INSTRUCTION.test(ctx.draft.instruction)) {
    kept = steps.filter((s) => s.risk === 'read-only');
    if (kept.length < steps.length) warnings.push(`${steps.length - kept.length} step(s) left out: the instruction asks for read-only steps.`);
  }
  if (ctx.runbooks.length === 0) warnings.push('No similar runbook was found: write the first one for this kind of incident.');
  const best = ctx.runbooks[0];
  const subjectTitle = ctx.clusterLabel ?? ctx.subjects[0]?.title ?? 'incident';
  return {
    title: (best ? `${best.title} (for: ${subjectTitle})` : `Runbook for: ${subjectTitle}`).slice(0, 200),
    summary: best ? `Assembled from ${ctx.runbooks.slice(0, 2).map((r) => `"${r.title}"`).join(' and ')}.` : '',
    steps: kept,
    warnings,
  };
}
