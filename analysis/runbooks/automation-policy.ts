// Which steps of an automation run may be sent to a target: allow/deny patterns, and destructive steps recognised by
// their text (analysis/runbooks/command-risk/) whatever the runbook says, so they can be made to need their own approval.
//
// Patterns are globs matched against the whole command (anchored at both ends, after trimming and collapsing runs of
// whitespace): `*` is any run of characters, `?` one character, everything else is literal (no regex syntax).
// - Allow: `*` and `?` never match shell control characters (`;` `&` `|` `<` `>` `` ` `` `$` `(` `)` newline), so
//   `systemctl status *` allows `systemctl status nginx` but not `systemctl status nginx; rm -rf /`: a command with
//   such characters is allowed only by a pattern that spells them out.
// - Deny: matched against the whole command and against every part of it (split at `;` `&&` `||` `|` newlines,
//   `$(`, backticks and parentheses, with a leading `sudo`/`env` dropped too), and `*` matches anything, so
//   `rm -rf *` denies `echo hi && sudo rm -rf /`. Deny patterns are a net, not a proof: an allow-list is the boundary.
import { classifyCommand, maxRisk } from './command-risk/index.ts';
import type { RunbookStep, StepRisk } from './runbook-types.ts';

export interface AutomationPolicy {
  allowPatterns: readonly string[];
  denyPatterns: readonly string[];
  /** Destructive steps wait for an approval of their own before they run (default true). */
  destructiveNeedsApproval?: boolean;
}

export interface StepDecision {
  index: number;
  allowed: boolean;
  /** Why not (the pattern that denied it, or that no allow pattern matched). */
  reason?: string;
  /** The higher of the runbook's label and what the rules find. */
  risk: StepRisk;
  destructive: boolean;
  /** Reasons the rules gave for the risk. */
  riskReasons: string[];
  needsOwnApproval: boolean;
}

export interface PolicyDecision {
  steps: StepDecision[];
  /** Some steps are denied: they will never be sent (the run may still run the others). */
  denied: number;
  /** Some allowed destructive steps need their own approval. */
  destructiveApprovalNeeded: boolean;
}

/**
 * Roles holding `automations:approve` in api/permissions.ts, for the layers that may not import the API (the
 * workflow's validator, the activity's re-check); a unit test keeps the two in step.
 */
export const APPROVER_ROLES: readonly string[] = ['owner', 'admin'];
/** Roles that hold `automations:approve` only with the membership's approver grant (`memberships.approver`). */
export const APPROVER_GRANT_ROLES: readonly string[] = ['responder'];

/** Whether a member may approve or reject runs: owners and admins by role, responders an admin gave the grant. */
export function mayApprove(role: string | null | undefined, approver: boolean | null | undefined): boolean {
  if (!role) return false;
  return APPROVER_ROLES.includes(role) || (approver === true && APPROVER_GRANT_ROLES.includes(role));
}

export const APPROVAL_REFUSED_ROLE = 'only members with the approver grant (owners, admins, and responders given the grant) may approve or reject runs';

export const MAX_PATTERN_LENGTH = 500;
export const MAX_PATTERNS = 100;

export class InvalidPatternError extends Error {
  override name = 'InvalidPatternError';
}

/** Refuses empty, over-long or too many patterns (the API turns this into a 400). */
export function validatePatterns(patterns: readonly string[]): void {
  if (patterns.length > MAX_PATTERNS) throw new InvalidPatternError(`at most ${MAX_PATTERNS} patterns`);
  for (const p of patterns) {
    if (p.trim() === '') throw new InvalidPatternError('a pattern may not be empty');
    if (p.length > MAX_PATTERN_LENGTH) throw new InvalidPatternError(`a pattern may have at most ${MAX_PATTERN_LENGTH} characters`);
  }
}

const normalise = (text: string) => text.trim().replace(/[ \t]+/g, ' ');

function globToRegExp(pattern: string, wildcard: 'safe' | 'any'): RegExp {
  const star = wildcard === 'safe' ? '[^;&|<>`$()\\n]*' : '[\\s\\S]*';
  const one = wildcard === 'safe' ? '[^;&|<>`$()\\n]' : '[\\s\\S]';
  let out = '';
  for (const ch of normalise(pattern)) {
    if (ch === '*') out += star;
    else if (ch === '?') out += one;
    else out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The parts of a command line a deny pattern is also tried against. */
export function commandParts(command: string): string[] {
  const parts = command
    .split(/&&|\|\||[;|\n`()]|\$\(/)
    .map(normalise)
    .filter((p) => p !== '');
  const out = new Set<string>([normalise(command), ...parts]);
  for (const p of parts) {
    // `sudo -u x cmd`, `env A=b cmd`: the command they run is what matters.
    const stripped = p.replace(/^(?:sudo(?:\s+-\S+(?:\s+\S+)?)*\s+|env(?:\s+\S+=\S*)*\s+)+/, '');
    if (stripped !== p && stripped !== '') out.add(stripped);
  }
  return [...out];
}

export function matchesAllow(command: string, pattern: string): boolean {
  // A control character in the command must be spelled out by the pattern: the safe wildcard cannot cover it.
  return globToRegExp(pattern, 'safe').test(normalise(command));
}

export function matchesDeny(command: string, pattern: string): boolean {
  const re = globToRegExp(pattern, 'any');
  return commandParts(command).some((part) => re.test(part));
}

export function evaluatePolicy(steps: readonly Pick<RunbookStep, 'command' | 'risk' | 'targetType'>[], policy: AutomationPolicy): PolicyDecision {
  const destructiveNeedsApproval = policy.destructiveNeedsApproval ?? true;
  const decisions = steps.map((step, index): StepDecision => {
    const classified = classifyCommand(step.command, step.targetType);
    const risk = maxRisk(step.risk, classified.risk);
    const destructive = risk === 'destructive';
    const base = { index, risk, destructive, riskReasons: classified.reasons };
    if (step.command.trim() === '') return { ...base, allowed: false, reason: 'the step has no command', needsOwnApproval: false };
    const deny = policy.denyPatterns.find((p) => matchesDeny(step.command, p));
    if (deny !== undefined) return { ...base, allowed: false, reason: `denied by pattern “${deny}”`, needsOwnApproval: false };
    if (policy.allowPatterns.length > 0 && !policy.allowPatterns.some((p) => matchesAllow(step.command, p))) {
      return { ...base, allowed: false, reason: 'matches no allow pattern', needsOwnApproval: false };
    }
    return { ...base, allowed: true, needsOwnApproval: destructive && destructiveNeedsApproval };
  });
  return {
    steps: decisions,
    denied: decisions.filter((d) => !d.allowed).length,
    destructiveApprovalNeeded: decisions.some((d) => d.needsOwnApproval),
  };
}

/**
 * The target's policy evaluated on a run's stored steps, exactly as for a person's request: `{ ...inputs, policy }`.
 * Stored steps were validated as runbook steps when saved; their risk and target type are read as such.
 */
export function withPolicy<T extends { steps: readonly { command: string; risk: string; targetType: string }[]; target: { allowPatterns: string[]; denyPatterns: string[] } }>(
  inputs: T,
): T & { policy: PolicyDecision } {
  const steps = inputs.steps as readonly Pick<RunbookStep, 'command' | 'risk' | 'targetType'>[];
  return { ...inputs, policy: evaluatePolicy(steps, { allowPatterns: inputs.target.allowPatterns, denyPatterns: inputs.target.denyPatterns }) };
}

/** Every step is read-only by the policy's own reading (the runbook's label and what the rules find). */
export const readOnlyThroughout = (policy: PolicyDecision) => policy.steps.length > 0 && policy.steps.every((s) => s.risk === 'read-only');
