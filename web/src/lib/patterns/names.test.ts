import { describe, expect, it } from 'vitest';
import { GONE_PATTERN, patternHref, patternName, readableLabel, slotValues } from './names';

describe('pattern names', () => {
  it('turns the engine’s placeholder tokens into words', () => {
    expect(readableLabel('High CPU on <HOST> (<PCT>)')).toBe('High CPU on {host} ({percent})');
    expect(readableLabel('Disk <*> full on <*>')).toBe('Disk … full on …');
    expect(readableLabel('<NUM> requests failed after <DURATION>')).toBe('{number} requests failed after {duration}');
    expect(readableLabel('ticket <TICKET_REF> reopened')).toBe('ticket {ticket ref} reopened');
    expect(readableLabel('Queue <*> <*>  stalled')).toBe('Queue … stalled');
  });

  it('leaves readable names and other angle brackets alone', () => {
    expect(readableLabel('High CPU on {host}')).toBe('High CPU on {host}');
    expect(readableLabel('latency <500ms on checkout')).toBe('latency <500ms on checkout');
    expect(readableLabel('a <b>bold</b> claim')).toBe('a <b>bold</b> claim');
  });

  it('names a pattern that is gone in words, never by id', () => {
    expect(patternName({ name: null })).toBe(GONE_PATTERN);
    expect(patternName({ name: '   ' })).toBe(GONE_PATTERN);
    expect(patternName({ name: 'Web CPU saturation' })).toBe('Web CPU saturation');
    expect(patternHref('c-ea15ec2b4815')).toBe('/clusters/c-ea15ec2b4815');
    expect(patternHref('a/b')).toBe('/clusters/a%2Fb');
  });
});

describe('slotValues', () => {
  it('lists the commonest values of a name’s slot, then how many more', () => {
    const values = (...names: string[]) => names.map((value) => ({ value, count: 1 }));
    expect(slotValues({ name: 'host', values: values('web-01', 'web-07', 'web-02'), distinct: 14 })).toBe('host: web-01, web-07 and 12 more');
    expect(slotValues({ name: 'queue', values: values('orders', 'refunds', 'emails'), distinct: 3 })).toBe('queue: orders, refunds and emails');
    expect(slotValues({ name: 'queue', values: values('orders'), distinct: 1 })).toBe('queue: orders');
    expect(slotValues({ name: 'queue', values: [], distinct: 0 })).toBe('');
  });
});
