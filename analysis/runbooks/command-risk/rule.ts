// What every rule works with: a risk with its reasons, the verdict that keeps the most severe part of a command line,
// what a rule is given, and readers of a program's arguments.
import { STEP_RISKS, type StepRisk } from '../runbook-types.ts';
import type { SimpleCommand } from './lexer.ts';

export interface CommandRisk {
  risk: StepRisk;
  reasons: string[];
}

export function maxRisk(a: StepRisk, b: StepRisk): StepRisk {
  return STEP_RISKS.indexOf(a) >= STEP_RISKS.indexOf(b) ? a : b;
}

/** Collects the risks of a command line's parts: the most severe wins, and its reasons are reported. */
export class Verdict {
  risk: StepRisk = 'read-only';
  private readonly byRisk: Record<StepRisk, string[]> = { 'read-only': [], mutating: [], destructive: [] };

  add(risk: StepRisk, reason: string): void {
    this.risk = maxRisk(this.risk, risk);
    if (!this.byRisk[risk].includes(reason)) this.byRisk[risk].push(reason);
  }

  merge(other: CommandRisk): void {
    for (const reason of other.reasons) this.add(other.risk, reason);
  }

  result(): CommandRisk {
    return { risk: this.risk, reasons: [...this.byRisk[this.risk]] };
  }
}

/** One risk with one reason. */
export const r = (risk: StepRisk, reason: string): CommandRisk => ({ risk, reasons: [reason] });

/** What a program's rule is given besides its arguments. */
export interface RuleContext {
  command: SimpleCommand;
  /** How deep this command is nested in others (`bash -c`, `$(...)`, `kubectl exec --`). */
  depth: number;
  program: string;
  /** Classifies a command line found inside this one, at the depth given (the rules cannot import the shell walker: it imports them). */
  classifyShell(text: string, depth: number): CommandRisk;
}

export type Rule = (args: string[], ctx: RuleContext) => CommandRisk;

/** Where output may go without changing anything; and block devices, where writing destroys a file system. */
export const HARMLESS_TARGETS = /^(?:\/dev\/(?:null|stdout|stderr|tty)|&\d?-?)$/;
export const BLOCK_DEVICE = /^\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|md|dm-|mapper\/|disk\/)/;

export function flag(args: string[], ...names: string[]): boolean {
  return args.some((a) => names.includes(a) || names.some((n) => n.startsWith('--') && a.startsWith(`${n}=`)));
}

/** Whether short options (possibly bundled, `-rf`) include `letter`. */
export function shortFlag(args: string[], letter: string): boolean {
  return args.some((a) => /^-[A-Za-z]+$/.test(a) && a.includes(letter));
}

export function positional(args: string[]): string[] {
  return args.filter((a) => !a.startsWith('-'));
}

/** The risk of the command that a program runs (`ssh host cmd`, `find -exec cmd`), one level deeper. */
export function recurse(words: string[], { depth, classifyShell }: RuleContext): CommandRisk {
  if (words.length === 0) return r('mutating', 'opens an interactive session: assumed mutating');
  const text = words.length === 1 ? words[0]! : words.map(quoteWord).join(' ');
  return classifyShell(text, depth + 1);
}

function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
