// Steps travel in forms as one JSON field (the editor keeps them as state); this reads them back, strictly.
import { RISKS, TARGET_TYPES, type Risk, type Step, type TargetType } from './types';

export const blankStep = (): Step => ({ title: '', command: '', targetType: 'shell', explanation: '', risk: 'read-only' });

/** The steps in a form's `steps` field, or a sentence saying what is wrong with them. */
export function parseSteps(raw: unknown): { steps: Step[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(String(raw ?? ''));
  } catch {
    return { error: 'The steps could not be read; reload the page and try again.' };
  }
  if (!Array.isArray(value) || value.length === 0) return { error: 'Add at least one step.' };
  const steps: Step[] = [];
  for (const [i, s] of value.entries()) {
    const o = (s ?? {}) as Record<string, unknown>;
    const title = String(o.title ?? '').trim();
    const command = String(o.command ?? '').trim();
    if (!title) return { error: `Step ${i + 1} needs a title.` };
    if (!command) return { error: `Step ${i + 1} needs a command.` };
    const targetType = (TARGET_TYPES as string[]).includes(String(o.targetType)) ? (o.targetType as TargetType) : 'other';
    const risk = (RISKS as string[]).includes(String(o.risk)) ? (o.risk as Risk) : 'read-only';
    steps.push({ title, command, targetType, explanation: String(o.explanation ?? '').trim(), risk });
  }
  return { steps };
}

/** A comma-separated list as the API wants it: trimmed, no empties, no repeats. */
export function parseList(raw: unknown): string[] {
  return [...new Set(String(raw ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
}
