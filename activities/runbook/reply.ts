// The model's reply: the JSON schema it must answer in, and its validation into a draft (risks raised by the command
// rules, a read-only instruction held to by rule too).
import { escalate } from '../../analysis/runbooks/command-risk/index.ts';
import { STEP_RISKS, TARGET_TYPES, type RunbookStep, type StepRisk, type TargetType } from '../../analysis/runbooks/runbook-types.ts';

export const MAX_STEPS = 20;

/** An instruction asking for read-only steps: then no step may be more than read-only by the rules. */
export const READ_ONLY_INSTRUCTION = /\bread[\s-]?only\b/i;

/** The shape the model must answer in (structured outputs: every property required, nothing else allowed). */
export const RUNBOOK_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    summary: { type: 'string' },
    steps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          command: { type: 'string' },
          targetType: { type: 'string', enum: [...TARGET_TYPES] },
          explanation: { type: 'string' },
          risk: { type: 'string', enum: [...STEP_RISKS] },
        },
        required: ['title', 'command', 'targetType', 'explanation', 'risk'],
        additionalProperties: false,
      },
    },
  },
  required: ['title', 'summary', 'steps'],
  additionalProperties: false,
} as const;

export class DraftValidationError extends Error {
  override name = 'DraftValidationError';
}

export interface ValidatedDraft {
  title: string;
  summary: string;
  steps: RunbookStep[];
  /** Steps whose risk the rules raised above the model's word. */
  raised: number;
}

/**
 * The model's reply as a draft, or DraftValidationError naming what is wrong (paths only, never the reply's text, so
 * the message may travel through workflow history). Risks are raised by the rules; a read-only instruction is held
 * to by rule too.
 */
export function validateDraftReply(content: string | null | undefined, options: { readOnly?: boolean } = {}): ValidatedDraft {
  if (!content) throw new DraftValidationError('the reply was empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new DraftValidationError('the reply is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DraftValidationError('the reply is not a JSON object');
  const reply = parsed as Record<string, unknown>;
  const text = (v: unknown, path: string, max: number, required = true): string => {
    if (typeof v !== 'string') throw new DraftValidationError(`${path} is not a string`);
    const t = v.trim();
    if (required && t === '') throw new DraftValidationError(`${path} is empty`);
    return t.slice(0, max);
  };
  const title = text(reply.title, 'title', 200);
  const summary = text(reply.summary, 'summary', 10_000, false);
  if (!Array.isArray(reply.steps)) throw new DraftValidationError('steps is not an array');
  if (reply.steps.length === 0) throw new DraftValidationError('steps is empty: a runbook needs at least one step');
  if (reply.steps.length > MAX_STEPS) throw new DraftValidationError(`steps has ${reply.steps.length} items, at most ${MAX_STEPS} are allowed`);
  let raised = 0;
  const steps = reply.steps.map((s: unknown, i): RunbookStep => {
    if (typeof s !== 'object' || s === null) throw new DraftValidationError(`steps[${i}] is not an object`);
    const step = s as Record<string, unknown>;
    const targetType = step.targetType as TargetType;
    if (!TARGET_TYPES.includes(targetType)) throw new DraftValidationError(`steps[${i}].targetType is not one of ${TARGET_TYPES.join(', ')}`);
    const stated = step.risk as StepRisk;
    if (!STEP_RISKS.includes(stated)) throw new DraftValidationError(`steps[${i}].risk is missing or not one of ${STEP_RISKS.join(', ')}`);
    const command = text(step.command, `steps[${i}].command`, 4000);
    const risk = escalate(stated, command, targetType);
    if (risk !== stated) raised += 1;
    return { title: text(step.title, `steps[${i}].title`, 200), command, targetType, explanation: text(step.explanation ?? '', `steps[${i}].explanation`, 4000, false), risk };
  });
  if (options.readOnly) {
    const bad = steps.findIndex((s) => s.risk !== 'read-only');
    if (bad >= 0) throw new DraftValidationError(`the instruction asks for read-only steps, but steps[${bad}] is ${steps[bad]!.risk} by the command rules`);
  }
  return { title, summary, steps, raised };
}
