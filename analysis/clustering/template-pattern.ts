// Matching incidents' masked tokens against a template written by a user or kept from an earlier run.
import { splitTokens } from './masking.ts';
import { WILDCARD } from './template-miner.ts';

/**
 * Tests whether an incident fits a template: same length, and each template token a wildcard (`<*>`, or a slot as
 * names show it: `{host}`), or equal to the masked token, or fitting the raw one (so `Disk pressure on
 * batch-node-<*>` can narrow `Disk pressure on <HOST>`).
 */
export type TemplatePattern = (maskedTokens: readonly string[], rawTokens?: readonly string[]) => boolean;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileTemplatePattern(template: string): TemplatePattern {
  // A slot written as a pattern's name shows it (`{host}`, `{queue}`) is a wildcard too.
  const parts = splitTokens(template.replace(/\{[a-z][a-z ]{0,30}\}/g, WILDCARD));
  const matchers = parts.map((part): ((token: string) => boolean) => {
    if (part === WILDCARD) return () => true;
    if (!part.includes(WILDCARD)) return (token) => token === part;
    // `rhost=<*>` matches `rhost=<IP>`: the wildcard stands for any non-empty text inside the token.
    const regex = new RegExp(`^${part.split(WILDCARD).map(escapeRegExp).join('.+')}$`);
    return (token) => regex.test(token);
  });
  return (masked, raw) =>
    masked.length === matchers.length &&
    matchers.every((match, i) => match(masked[i]!) || (raw !== undefined && raw.length === masked.length && match(raw[i]!)));
}
