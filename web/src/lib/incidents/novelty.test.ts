import { describe, expect, it } from 'vitest';
import { noveltyBadge, noveltyLabel } from './novelty';

describe('new-pattern badges', () => {
  const at = '2025-03-13T09:00:00.000Z';
  it('words each label, with the quiet period of a returning pattern in whole days', () => {
    expect(noveltyBadge({ novelty: 'new', createdAt: at })?.text).toBe('New pattern');
    expect(noveltyBadge({ novelty: 'back', createdAt: at, patternPreviousAt: '2025-01-27T10:00:00.000Z' })?.text).toBe('Back after 44 days quiet');
    expect(noveltyBadge({ novelty: 'back', createdAt: at, patternPreviousAt: '2025-01-27T09:00:00.000Z' })?.text).toBe('Back after 45 days quiet');
    expect(noveltyBadge({ novelty: 'back', createdAt: at, patternPreviousAt: null })?.text).toBe('Back after a quiet period');
    expect(noveltyBadge({ novelty: 'rare', createdAt: at })?.text).toBe('Rare pattern');
  });

  it('shows no badge on a list for known or pending incidents, and words them on the incident’s page', () => {
    expect(noveltyBadge({ novelty: 'known', createdAt: at })).toBeNull();
    expect(noveltyBadge({ novelty: null, createdAt: at })).toBeNull();
    expect(noveltyBadge({ novelty: 'known', createdAt: at }, true)?.text).toBe('Known pattern');
    expect(noveltyBadge({ createdAt: at }, true)?.text).toBe('Pattern pending');
    expect(noveltyLabel('pending')).toBe('Not labelled yet');
  });
});
