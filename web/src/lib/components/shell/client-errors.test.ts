import { describe, expect, it } from 'vitest';
import { MAX_ERRORS, recentErrors, recordError } from './client-errors';

describe('recent client errors', () => {
  it('keeps only the newest errors, oldest first, with long messages cut', () => {
    for (let i = 0; i < MAX_ERRORS + 5; i++) recordError(`error ${i}`, '/incidents', new Date(Date.UTC(2025, 0, 1, 0, 0, i)));
    recordError('x'.repeat(2_000));
    const kept = recentErrors();
    expect(kept).toHaveLength(MAX_ERRORS);
    expect(kept[0]!.message).toBe('error 6');
    expect(kept[0]!.url).toBe('/incidents');
    expect(kept.at(-1)!.message).toHaveLength(500);
  });
});
