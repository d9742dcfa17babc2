// New-pattern labels in words: the badge an incident carries on the list and its page ("New pattern", "Back after 45
// days quiet", "Rare pattern"), and the choices of the list's filter. The definition is the API's (docs/clustering.md).
import type { Query } from '#lib/api/index.ts';
import type { Tone } from './format';

export type NoveltyFilterValue = NonNullable<Query<'/api/incidents', 'get'>['novelty']>[number];
export type Novelty = Exclude<NoveltyFilterValue, 'pending'>;

const DAY_MS = 86_400_000;

/** The filter's choices, in the order they matter to a responder. */
export const NOVELTY_CHOICES: readonly { value: NoveltyFilterValue; label: string }[] = [
  { value: 'new', label: 'New pattern' },
  { value: 'back', label: 'Back after a quiet period' },
  { value: 'rare', label: 'Rare pattern' },
  { value: 'known', label: 'Known pattern' },
  { value: 'pending', label: 'Not labelled yet' },
];

export const noveltyLabel = (value: string) => NOVELTY_CHOICES.find((c) => c.value === value)?.label ?? value;

export interface NoveltyBadge {
  text: string;
  /** Why, in a sentence (the badge's tooltip and its accessible description). */
  title: string;
  tone: Tone;
}

/** Whole days between an incident and its pattern's previous one. */
export const quietDays = (createdAt: string, previousAt: string) => Math.floor((Date.parse(createdAt) - Date.parse(previousAt)) / DAY_MS);

/**
 * The badge for an incident's label; null where a list shows none (known, pending). `everything` also words those,
 * for the incident's own page.
 */
export function noveltyBadge(incident: { novelty?: string | null; createdAt: string; patternPreviousAt?: string | null }, everything = false): NoveltyBadge | null {
  switch (incident.novelty) {
    case 'new':
      return { text: 'New pattern', title: 'The first incident of its pattern: nothing like it arrived before', tone: 'warn' };
    case 'back': {
      const days = incident.patternPreviousAt ? quietDays(incident.createdAt, incident.patternPreviousAt) : null;
      return {
        text: days === null ? 'Back after a quiet period' : `Back after ${days.toLocaleString('en')} days quiet`,
        title: 'Its pattern had no incident in the 30 days before this one',
        tone: 'info',
      };
    }
    case 'rare':
      return { text: 'Rare pattern', title: 'Its pattern is at most 5% of the incidents of the 30 days before it', tone: 'muted' };
    case 'known':
      return everything ? { text: 'Known pattern', title: 'Its pattern recurred within the 30 days before it', tone: 'muted' } : null;
    default:
      return everything ? { text: 'Pattern pending', title: 'Labelled once it is placed in a pattern', tone: 'muted' } : null;
  }
}
