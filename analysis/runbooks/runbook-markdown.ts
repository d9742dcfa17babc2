// Runbooks as markdown: parse a team's runbook file into structured steps, and render steps back to the same format.
//
// The format (render writes exactly this; parse also accepts the optional parts left out):
//
//     # Restart a stuck payments worker            <- title: the first non-blank line, required
//
//     Tags: payments, kubernetes                   <- optional, right after the title
//
//     Free text describing when to use it.         <- description: everything up to the first step
//
//     ## Check the pods                            <- one `## ` section per step, in order
//
//     Risk: read-only                              <- optional: read-only | mutating | destructive
//     Target: kubectl                              <- optional: shell | kubectl | aws | sql | systemctl | http | other
//
//     Explanation paragraphs.
//
//     ```bash                                      <- exactly one fenced block: the command
//     kubectl get pods -n payments
//     ```
//
// Without a `Target:` line the fence language decides (bash/sh -> shell, sql -> sql, ...), and without one either,
// the command's program does (kubectl -> kubectl, psql -> sql, ...). Without a `Risk:` line the rules of
// command-risk.ts decide; a stated risk lower than the rules' is raised, with a warning, never trusted.
import { classifyCommand, maxRisk } from './command-risk/index.ts';
import { STEP_RISKS, TARGET_TYPES, type RunbookStep, type StepRisk, type TargetType } from './runbook-types.ts';

export interface RunbookDocument {
  title: string;
  description: string;
  tags: string[];
  steps: RunbookStep[];
}

export interface ParsedRunbook extends RunbookDocument {
  /** Things fixed while parsing, such as a risk raised to what the command really does. */
  warnings: string[];
}

export class RunbookMarkdownError extends Error {
  /** 1-based number of the step at fault, when one is. */
  readonly step?: number;
  constructor(message: string, step?: number) {
    super(message);
    this.step = step;
    this.name = 'RunbookMarkdownError';
  }
}

const LANGUAGE_TARGETS: Record<string, TargetType> = {
  bash: 'shell', sh: 'shell', shell: 'shell', zsh: 'shell', console: 'shell', 'shell-session': 'shell', ksh: 'shell',
  sql: 'sql', psql: 'sql', pgsql: 'sql', postgres: 'sql', postgresql: 'sql', plpgsql: 'sql', mysql: 'sql', sqlite: 'sql', tsql: 'sql',
  kubectl: 'kubectl', k8s: 'kubectl', kubernetes: 'kubectl',
  aws: 'aws', awscli: 'aws',
  systemctl: 'systemctl', systemd: 'systemctl',
  http: 'http', https: 'http', rest: 'http',
};

const TARGET_LANGUAGES: Record<TargetType, string> = {
  shell: 'bash',
  kubectl: 'bash',
  aws: 'bash',
  systemctl: 'bash',
  sql: 'sql',
  http: 'http',
  other: 'text',
};

// The fence run may not be followed by more of its character, and the rest is checked for backticks once: written so
// that a long line without a closing run is read in linear time (the plain form backtracked quadratically).
const FENCE_OPEN = /^ {0,3}(`{3,}(?!`)|~{3,}(?!~))(?=[^`]*$)\s*([^\s`]*)[^`]*$/;
const META = /^(risk|target)\s*:\s*(.*)$/i;
const TAGS = /^tags\s*:\s*(.*)$/i;

interface Section {
  title: string;
  lines: string[];
}

/**
 * What `/^#{level}\s+(.+?)\s*#*\s*$/` captured (trimmed), or null where it did not match — read by hand in linear time,
 * since that pattern took minutes on a long line of spaces. The capture is the shortest start of the text after the
 * marker's spaces (one character at least) that leaves only spaces, `#`s and spaces.
 */
function headingText(line: string, level: number): string | null {
  for (let k = 0; k < level; k++) if (line[k] !== '#') return null;
  const rest = line.slice(level);
  if (rest === '' || !SPACE.test(rest[0]!)) return null;
  let from = 0;
  while (from < rest.length && SPACE.test(rest[from]!)) from++;
  // Only spaces after the marker: the pattern gives a later space (not a line end) to the capture.
  if (from === rest.length) {
    for (let j = 1; j < rest.length; j++) if (!LINE_END.test(rest[j]!)) return '';
    return null;
  }
  const body = rest.slice(from);
  let m = body.length;
  while (m > 0 && SPACE.test(body[m - 1]!)) m--;
  while (m > 0 && body[m - 1] === '#') m--;
  while (m > 0 && SPACE.test(body[m - 1]!)) m--;
  // `.` stops at a line end: a capture that would hold one is no match.
  const capture = body.slice(0, Math.max(1, m));
  return LINE_END.test(capture) ? null : capture.trim();
}
const SPACE = /\s/;
const LINE_END = /[\n\r\u2028\u2029]/;

export function parseRunbookMarkdown(markdown: string): ParsedRunbook {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const titleText = headingText(lines[i] ?? '', 1);
  if (titleText === null) throw new RunbookMarkdownError('runbook has no title: its first line must be `# Title`');
  const title = titleText;
  i++;

  // Split the rest into the preamble and `## ` sections, ignoring headings inside fenced blocks.
  const preamble: string[] = [];
  const sections: Section[] = [];
  let fence: string | null = null;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE_OPEN.exec(line);
    if (fence === null && open !== null) fence = open[1]!;
    else if (fence !== null && line.trim().startsWith(fence[0]!.repeat(fence.length)) && /^[`~]+$/.test(line.trim())) fence = null;
    else if (fence === null) {
      const heading = headingText(line, 2);
      if (heading !== null) {
        sections.push({ title: heading, lines: [] });
        continue;
      }
    }
    (sections.length === 0 ? preamble : sections[sections.length - 1]!.lines).push(line);
  }

  let tags: string[] = [];
  const firstText = preamble.findIndex((l) => l.trim() !== '');
  if (firstText !== -1) {
    const tagMatch = TAGS.exec(preamble[firstText]!.trim());
    if (tagMatch !== null) {
      tags = [...new Set(tagMatch[1]!.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
      preamble.splice(firstText, 1);
    }
  }
  const description = preamble.join('\n').trim();

  const warnings: string[] = [];
  const steps = sections.map((section, index) => parseStep(section, index + 1, warnings));
  return { title, description, tags, steps, warnings };
}

function parseStep(section: Section, number: number, warnings: string[]): RunbookStep {
  const name = `step ${number} ("${section.title}")`;
  const explanation: string[] = [];
  const blocks: { language: string; body: string[] }[] = [];
  let statedRisk: StepRisk | null = null;
  let statedTarget: TargetType | null = null;
  let fence: string | null = null;
  for (const line of section.lines) {
    if (fence !== null) {
      if (/^[`~]+$/.test(line.trim()) && line.trim().startsWith(fence)) fence = null;
      else blocks[blocks.length - 1]!.body.push(line);
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open !== null) {
      fence = open[1]!;
      blocks.push({ language: open[2]!.toLowerCase(), body: [] });
      continue;
    }
    const meta = META.exec(line.trim());
    if (meta !== null) {
      const key = meta[1]!.toLowerCase();
      const value = meta[2]!.trim().toLowerCase();
      if (key === 'risk' && statedRisk === null) {
        if (!(STEP_RISKS as readonly string[]).includes(value))
          throw new RunbookMarkdownError(`${name} has an unknown risk "${meta[2]!.trim()}": use one of ${STEP_RISKS.join(', ')}`, number);
        statedRisk = value as StepRisk;
        continue;
      }
      if (key === 'target' && statedTarget === null) {
        if (!(TARGET_TYPES as readonly string[]).includes(value))
          throw new RunbookMarkdownError(`${name} has an unknown target "${meta[2]!.trim()}": use one of ${TARGET_TYPES.join(', ')}`, number);
        statedTarget = value as TargetType;
        continue;
      }
    }
    explanation.push(line);
  }
  if (blocks.length === 0) throw new RunbookMarkdownError(`${name} has no command: add one fenced code block`, number);
  if (blocks.length > 1) throw new RunbookMarkdownError(`${name} has ${blocks.length} code blocks: a step holds exactly one command`, number);
  const block = blocks[0]!;
  const command = block.body.join('\n').trim();
  if (command === '') throw new RunbookMarkdownError(`${name} has no command: its code block is empty`, number);

  const targetType = statedTarget ?? LANGUAGE_TARGETS[block.language] ?? (block.language === '' ? inferTarget(command) : 'other');
  const rules = classifyCommand(command, targetType);
  let risk: StepRisk = rules.risk;
  if (statedRisk !== null) {
    risk = maxRisk(statedRisk, rules.risk);
    if (risk !== statedRisk) warnings.push(`${name}: risk raised from ${statedRisk} to ${risk}: ${rules.reasons.join('; ')}`);
  }
  return { title: section.title, command, targetType, explanation: explanation.join('\n').trim(), risk };
}

/** The target a bare command runs against, from its program. */
export function inferTarget(command: string): TargetType {
  const words = command.trim().split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'sudo');
  const program = (words[0] ?? '').toLowerCase();
  if (program === 'kubectl' || program === 'oc' || program === 'helm') return 'kubectl';
  if (program === 'aws') return 'aws';
  if (program === 'systemctl' || program === 'service' || program === 'journalctl') return 'systemctl';
  if (['psql', 'mysql', 'sqlite3', 'mariadb', 'clickhouse-client'].includes(program)) return 'sql';
  if (/^(select|insert|update|delete|drop|truncate|alter|create|with|explain|show|grant|revoke|vacuum)$/.test(program)) return 'sql';
  if (program === 'curl' || program === 'wget' || program === 'http' || /^(get|post|put|patch|delete|head)$/.test(program)) return 'http';
  return 'shell';
}

export function renderRunbookMarkdown(runbook: RunbookDocument): string {
  const out: string[] = [`# ${runbook.title.trim()}`, ''];
  if (runbook.tags.length > 0) out.push(`Tags: ${runbook.tags.join(', ')}`, '');
  if (runbook.description.trim() !== '') out.push(runbook.description.trim(), '');
  for (const step of runbook.steps) {
    out.push(`## ${step.title.trim()}`, '', `Risk: ${step.risk}`, `Target: ${step.targetType}`, '');
    if (step.explanation.trim() !== '') out.push(step.explanation.trim(), '');
    // A fence longer than any backtick run in the command keeps the command whole.
    const longest = Math.max(2, ...(step.command.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(longest + 1);
    out.push(`${fence}${TARGET_LANGUAGES[step.targetType]}`, step.command.trim(), fence, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
