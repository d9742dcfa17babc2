// Which rule reads which program: every family's rules in one table, then the plain lists of programs that only read,
// destroy or change; a program found nowhere is `mutating` (a rule set cannot prove an unknown program harmless).
import { CONTAINER_RULES } from './containers.ts';
import { CLOUD_RULES } from './cloud.ts';
import { classifyRedisCommand, DATASTORE_RULES, REDIS_COMMANDS_DESTRUCTIVE } from './datastores.ts';
import { GIT_RULES } from './git.ts';
import { HTTP_RULES } from './http.ts';
import { KUBERNETES_RULES } from './kubernetes.ts';
import { r, type CommandRisk, type Rule, type RuleContext } from './rule.ts';
import { SERVICE_RULES } from './services.ts';
import { SQL_CLIENT_RULES } from './sql.ts';
import { DESTRUCTIVE_PROGRAMS, MUTATING_PROGRAMS, READ_ONLY_PROGRAMS, UNIX_RULES } from './unix.ts';

const RULES: Record<string, Rule> = {
  ...UNIX_RULES,
  ...SERVICE_RULES,
  ...HTTP_RULES,
  ...GIT_RULES,
  ...KUBERNETES_RULES,
  ...CONTAINER_RULES,
  ...CLOUD_RULES,
  ...DATASTORE_RULES,
  ...SQL_CLIENT_RULES,
};

/** Programs with a rule of their own: a bare SQL statement is never one of them (`classifyCommand`). */
export const KNOWN_PROGRAMS = new Set(Object.keys(RULES));

export function classifyProgram(program: string, args: string[], ctx: RuleContext): CommandRisk {
  // Own keys only: `constructor`, `toString` or `__proto__` as a program name must not reach Object.prototype.
  const rule = Object.hasOwn(RULES, program) ? RULES[program] : undefined;
  if (rule !== undefined) return rule(args, ctx);
  if (READ_ONLY_PROGRAMS.has(program)) return r('read-only', `\`${program}\` only reads`);
  if (/^mkfs(\.|$)/.test(program)) return r('destructive', `\`${program}\` formats a file system`);
  if (Object.hasOwn(DESTRUCTIVE_PROGRAMS, program)) return r('destructive', DESTRUCTIVE_PROGRAMS[program]!);
  if (MUTATING_PROGRAMS.has(program)) return r('mutating', `\`${program}\` changes the system`);
  if (REDIS_COMMANDS_DESTRUCTIVE.has(program.toUpperCase())) return classifyRedisCommand(program, args);
  return r('mutating', `unknown command \`${program}\`: assumed mutating`);
}
