// A markdown runbook file read as a runbook to save, or refused with 400 naming the line and step where it went wrong.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseRunbookMarkdown, RunbookMarkdownError } from '../analysis/runbooks/runbook-markdown.ts';
import { AppError } from './errors.ts';
import { validationDetails } from './plugins/error-handler.ts';
import type { RunbookInput } from './runbook-content.ts';
import { CreateRunbookBody } from './schemas/runbooks.ts';

// ajv-formats is CommonJS; its default export arrives wrapped under native ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
/** An imported runbook meets the limits of a typed-in one: the same schema, checked as strictly as a JSON body. */
const checkImported = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false })).compile(CreateRunbookBody);

function checkDraft(draft: RunbookInput): RunbookInput {
  if (checkImported(draft)) return draft;
  const details = validationDetails('body', (checkImported.errors ?? []) as never);
  throw new AppError(400, 'invalid_body', `The runbook was read, but ${details.map((d) => d.message).join('; ')}`, details);
}

/**
 * The line where the parser's complaint starts: the title's line, or the heading of the step it names (counted as the
 * parser counts them, `## ` outside fenced blocks), so the writer of the file finds the place at once.
 */
function lineOf(markdown: string, step: number | undefined): number {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const first = Math.max(0, lines.findIndex((l) => l.trim() !== ''));
  if (step === undefined) return first + 1;
  let fence: string | null = null;
  let seen = 0;
  for (let i = first + 1; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(lines[i]!);
    if (fence === null && open) fence = open[1]!;
    else if (fence !== null && /^[`~]+$/.test(trimmed) && trimmed.startsWith(fence)) fence = null;
    else if (fence === null && /^##\s+\S/.test(lines[i]!) && ++seen === step) return i + 1;
  }
  return first + 1;
}

/** The markdown as a draft, or 400 naming the line and step where it went wrong. */
export function importDraft(markdown: string): RunbookInput {
  let parsed;
  try {
    parsed = parseRunbookMarkdown(markdown);
  } catch (err) {
    if (!(err instanceof RunbookMarkdownError)) throw err;
    const line = lineOf(markdown, err.step);
    throw new AppError(400, 'invalid_markdown', `line ${line}: ${err.message}`, [
      { field: err.step === undefined ? `line ${line}` : `line ${line} (step ${err.step})`, in: 'body', message: err.message },
    ]);
  }
  if (parsed.steps.length === 0) {
    const message = 'runbook has no steps: add a `## Step title` section with one fenced code block for each';
    throw new AppError(400, 'invalid_markdown', message, [{ in: 'body', message }]);
  }
  const { warnings: _, ...draft } = parsed;
  return checkDraft(draft);
}
