// Reads the runbook form (new and edit) into the API's body, or says what is wrong.
import { parseList, parseSteps } from './steps';
import type { RunbookBody, RunbookValues } from './types';

export function readRunbookForm(form: FormData): { body: RunbookBody & RunbookValues } | { error: string; field: string; values: RunbookValues } {
  const parsed = parseSteps(form.get('steps'));
  const values: RunbookValues = {
    title: String(form.get('title') ?? '').trim(),
    description: String(form.get('description') ?? '').trim(),
    tags: parseList(form.get('tags')),
    services: parseList(form.get('services')),
    clusterIds: [...new Set(form.getAll('clusterIds').flatMap((v) => parseList(v)))],
    steps: 'steps' in parsed ? parsed.steps : [],
  };
  if (!values.title) return { error: 'Give the runbook a title.', field: 'title', values };
  if ('error' in parsed) {
    try {
      values.steps = JSON.parse(String(form.get('steps')));
    } catch {
      /* the editor starts empty again */
    }
    return { error: parsed.error, field: 'steps', values };
  }
  const note = String(form.get('note') ?? '').trim();
  return { body: { ...values, ...(note ? { note } : {}) } };
}
