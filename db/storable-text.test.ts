import { describe, expect, it } from 'vitest';
import { storable, UNSTORABLE_TEXT } from './storable-text.ts';

describe('storable text', () => {
  it('replaces NULs and lone surrogates in strings and keys, keeps pairs, and copies only what changes', () => {
    const clean = { a: 'fine 😀', b: [1, 'two'], c: null };
    expect(storable(clean)).toEqual(clean);
    expect(storable({ 'k\u0000': ['x\u0000y', '\ud800', '\udc00z', '😀'] })).toEqual({ 'k\uFFFD': ['x\uFFFDy', '\uFFFD', '\uFFFDz', '😀'] });
    expect(UNSTORABLE_TEXT.test('😀')).toBe(false);
    const when = new Date(0);
    expect(storable({ when }).when).toBe(when);
  });
});
