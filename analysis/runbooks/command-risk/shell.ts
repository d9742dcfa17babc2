// The generic shell: every part of a command line counts (pipelines, lists, subshells, command substitutions), each
// simple command's redirections are judged, then its program's rule (rules.ts); the most severe part wins.
import { basename, lexShell, splitCommands, stripPrefixes, type SimpleCommand } from './lexer.ts';
import { BLOCK_DEVICE, HARMLESS_TARGETS, Verdict, type CommandRisk } from './rule.ts';
import { classifyProgram } from './rules.ts';

// Guards against pathological nesting (`bash -c "bash -c ..."`) rather than any realistic command.
const MAX_DEPTH = 8;

export function classifyShell(text: string, depth: number): CommandRisk {
  const verdict = new Verdict();
  if (depth > MAX_DEPTH) {
    verdict.add('mutating', 'command nests too deeply to analyse: assumed mutating');
    return verdict.result();
  }
  const { tokens, substitutions } = lexShell(text);
  for (const inner of substitutions) verdict.merge(classifyShell(inner, depth + 1));
  for (const command of splitCommands(tokens)) verdict.merge(classifySimple(command, depth));
  if (verdict.result().reasons.length === 0) verdict.add('read-only', 'nothing but shell syntax');
  return verdict.result();
}

function classifySimple(command: SimpleCommand, depth: number): CommandRisk {
  const verdict = new Verdict();
  for (const { op, target } of command.redirects) {
    if (!op.includes('>')) continue;
    if (HARMLESS_TARGETS.test(target)) continue;
    if (BLOCK_DEVICE.test(target)) verdict.add('destructive', `writes straight to the block device ${target}`);
    else verdict.add('mutating', `writes to the file ${target}`);
  }
  const words = stripPrefixes(command.words);
  if (words.length === 0) {
    if (command.words.some((w) => w === 'sudo' || w === 'doas')) verdict.add('mutating', '`sudo` without a command opens a root shell: assumed mutating');
    if (verdict.result().reasons.length === 0) verdict.add('read-only', 'no program to run');
    return verdict.result();
  }
  const program = basename(words[0]!);
  const args = words.slice(1);
  verdict.merge(classifyProgram(program, args, { command, depth, program, classifyShell }));
  return verdict.result();
}
