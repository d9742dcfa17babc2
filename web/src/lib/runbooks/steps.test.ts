import { describe, expect, it } from 'vitest';
import { parseList, parseSteps } from './steps';

describe('parseSteps', () => {
  it('reads trimmed steps and keeps a known risk and target', () => {
    const r = parseSteps(JSON.stringify([{ title: ' See logs ', command: 'kubectl logs x', targetType: 'kubectl', explanation: '', risk: 'mutating' }]));
    expect(r).toEqual({ steps: [{ title: 'See logs', command: 'kubectl logs x', targetType: 'kubectl', explanation: '', risk: 'mutating' }] });
  });
  it('names the step that lacks a command', () => {
    expect(parseSteps(JSON.stringify([{ title: 'a', command: 'ls' }, { title: 'b', command: ' ' }]))).toEqual({ error: 'Step 2 needs a command.' });
  });
  it('refuses no steps and unreadable input', () => {
    expect(parseSteps('[]')).toEqual({ error: 'Add at least one step.' });
    expect('error' in parseSteps('{')).toBe(true);
  });
  it('turns an unknown target type into other', () => {
    const r = parseSteps(JSON.stringify([{ title: 'a', command: 'b', targetType: 'bash', risk: 'nope' }]));
    expect(r).toMatchObject({ steps: [{ targetType: 'other', risk: 'read-only' }] });
  });
});

describe('parseList', () => {
  it('splits on commas without empties or repeats', () => {
    expect(parseList(' a, b,,a ,c ')).toEqual(['a', 'b', 'c']);
  });
});
