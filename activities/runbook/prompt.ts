// What the model is told: the system prompt, the context as redacted JSON (only the fields the account's settings let
// out), a refinement's previous draft and instruction, and the correction after a malformed reply.
import { redactDeep, type Redactor } from '../../analysis/redaction.ts';
import type { IncidentDetailRow } from '../../db/incidents.ts';
import type { LlmSettings } from '../../db/llm-settings.ts';
import type { PromptMessage } from '../../db/runbook-drafts.ts';
import type { DraftContext } from './context.ts';

const NOTES_PER_INCIDENT = 5;
/** Texts are cut to this many characters in the prompt: enough to diagnose, bounded in cost. */
const FIELD_CHARS = 2000;

const SYSTEM_PROMPT = [
  'You are a site reliability engineer writing a runbook for the on-call responder of the incident described below.',
  'Answer with JSON only, matching the given schema: a short title, a summary of the likely cause, and ordered steps.',
  'Each step has one concrete command (shell, kubectl, aws, sql, systemctl, http or other), where it runs (targetType),',
  'an explanation of what it shows or changes, and its risk: read-only (only reads), mutating (changes state that can be',
  'changed back) or destructive (loses data or capacity until someone acts). Diagnose with read-only steps first.',
  'Prefer the steps of the existing runbooks when they fit. Placeholders such as [email], [ip], [secret] and [redacted]',
  'stand for values removed for privacy: keep them as they are.',
].join(' ');

const clip = (text: string | null | undefined) => (text ?? '').slice(0, FIELD_CHARS);

/** The incident as the prompt shows it, with only the fields the account's settings let out. */
function incidentFacts(incident: IncidentDetailRow, settings: LlmSettings) {
  const notes = settings.sendNotes
    ? (incident.timeline ?? [])
        .filter((e) => e.type === 'note' && e.message)
        .slice(-NOTES_PER_INCIDENT)
        .map((e) => clip(e.message))
    : [];
  return {
    title: incident.title,
    service: incident.service,
    severity: incident.severity,
    status: incident.status,
    createdAt: new Date(incident.createdAt).toISOString(),
    resolvedAt: incident.resolvedAt ? new Date(incident.resolvedAt).toISOString() : null,
    ...(settings.sendDescriptions && incident.description ? { description: clip(incident.description) } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

/** The messages for the model, every string redacted. */
export function buildPrompt(ctx: DraftContext, redactor: Redactor): { messages: PromptMessage[]; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const context = redactDeep(
    {
      ...(ctx.clusterLabel ? { cluster: ctx.clusterLabel } : {}),
      incidents: ctx.subjects.map((s) => incidentFacts(s, ctx.settings)),
      similarIncidents: ctx.similar.map(({ detail }) => ({
        ...incidentFacts(detail, ctx.settings),
        resolution: detail.resolvedAt ? `resolved after ${Math.round((detail.mttrSeconds ?? 0) / 60)} min` : 'not resolved',
      })),
      existingRunbooks: ctx.runbooks.map((r) => ({
        title: r.title,
        ...(r.description ? { description: clip(r.description) } : {}),
        matchedText: r.hit.chunks.slice(0, 2).map((c) => clip(c.text)),
        steps: r.steps.map((s) => ({ title: s.title, command: s.command, targetType: s.targetType, risk: s.risk })),
      })),
    },
    redactor,
    counts,
  );
  const subject = ctx.draft.subjectKind === 'cluster' ? 'this recurring pattern of incidents' : 'this incident';
  const messages: PromptMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Write a runbook for ${subject}.\n\nContext (JSON):\n${JSON.stringify(context, null, 2)}` },
  ];
  if (ctx.parent && ctx.draft.instruction) {
    const previous = redactDeep({ title: ctx.parent.title, summary: ctx.parent.summary, steps: ctx.parent.steps ?? [] }, redactor, counts);
    messages.push({ role: 'assistant', content: JSON.stringify(previous) });
    const instruction = redactor(ctx.draft.instruction);
    for (const [kind, n] of Object.entries(instruction.counts)) counts[kind] = (counts[kind] ?? 0) + n;
    messages.push({ role: 'user', content: `Revise the runbook above: ${instruction.text}\nAnswer with the whole revised runbook.` });
  }
  return { messages, counts };
}

/** The stored prompt again, told once why its previous reply was refused (paths only, no incident text). */
export function withCorrection(messages: PromptMessage[], previousError: string | undefined): PromptMessage[] {
  return previousError
    ? [...messages, { role: 'user', content: `Your previous reply was invalid: ${previousError}. Answer again with JSON that matches the schema.` }]
    : messages;
}
