import { describe, expect, it } from 'vitest';
import { compileMasker } from './masking.ts';
import { InvalidClusteringSettingsError, resolveClusteringSettings, type ClusteringSettingsOverrides } from './settings.ts';

const mask = (text: string, overrides: ClusteringSettingsOverrides = {}) =>
  compileMasker(resolveClusteringSettings(overrides).masking).maskTokens(text).join(' ');

describe('masking', () => {
  it.each([
    ['IPv4 with and without a port', 'peer 10.2.3.4 and 192.168.0.1:5432 down', 'peer <IP> and <IP> down'],
    ['IPv6, full and compressed', 'from 2001:db8:0:0:0:ff00:42:8329 and fe80::1', 'from <IP> and <IP>'],
    ['MAC addresses', 'link 00:1a:2b:3c:4d:5e flapping', 'link <MAC> flapping'],
    ['UUIDs', 'job 123e4567-e89b-12d3-a456-426614174000 failed', 'job <UUID> failed'],
    ['hex ids and 0x literals', 'commit deadbeef1234 at 0x7f3a', 'commit <HEX> at <HEX>'],
    ['random alphanumeric ids', 'queue id jA9J1UvC004306 stuck', 'queue id <ID> stuck'],
    ['numeric ids and numbers', 'order 12345 retried -3 times', 'order <NUM> retried <NUM> times'],
    ['Kubernetes pods and replica sets', 'pod api-7d4b9c8f5-x2k9p and rs api-7d4b9c8f5', 'pod <POD> and rs <POD>'],
    ['host names with numbers', 'High CPU on ip-10-2-3-4 and batch-node-17', 'High CPU on <HOST> and <HOST>'],
    ['numbered and well-known domain names', 'web01.example.com db.prod.internal www.google.com:443', '<HOST> <HOST> <HOST>'],
    ['paths', 'disk full on /var/lib/docker and C:\\Windows\\Temp', 'disk full on <PATH> and <PATH>'],
    ['URLs', 'GET https://api.example.com/v1/orders?id=7 slow', 'GET <URL> slow'],
    ['e-mail addresses', 'bounce from ops@example.com', 'bounce from <EMAIL>'],
    ['durations', 'took 250ms, then 1h30m and 5s', 'took <DURATION>, then <DURATION> and <DURATION>'],
    ['sizes', 'heap 512MB of 1.5GiB', 'heap <SIZE> of <SIZE>'],
    ['percentages', 'High CPU on web-1 (94%)', 'High CPU on <HOST> (<PCT>)'],
    ['ISO timestamps and times', 'at 2024-01-02T10:00:00Z and 12:30:45', 'at <TS> and <TS>'],
    ['day and month names beside a date', 'since Sun Jul 24 02:38:22 2005', 'since <TS> <TS> <NUM> <TS> <NUM>'],
  ])('masks %s', (_kind, text, expected) => {
    expect(mask(text)).toBe(expected);
  });

  it('keeps words that only look like variables', () => {
    expect(mask('May cause data loss in org.apache.hadoop.io.compress.CodecPool on payments-service')).toBe(
      'May cause data loss in org.apache.hadoop.io.compress.CodecPool on payments-service',
    );
    expect(mask('IO80211Controller uses ssh2')).toBe('IO80211Controller uses ssh2');
  });

  it('never changes the number of tokens', () => {
    const text = 'a  b\t10.0.0.1:80   (94%)  https://x.io/a b';
    expect(mask(text).split(' ')).toHaveLength(text.trim().split(/\s+/).length);
  });

  it('applies an account custom mask before the built-in ones', () => {
    expect(mask('INC-4711 reopened for TEAM-ops', { masking: { custom: [{ name: 'ticket', pattern: 'INC-\\d+' }] } })).toBe(
      '<TICKET> reopened for TEAM-ops',
    );
    expect(mask('user bob locked', { masking: { custom: [{ name: 'user', pattern: '^(bob|alice)$', placeholder: '<USER>' }] } })).toBe(
      'user <USER> locked',
    );
  });

  it('leaves a disabled mask kind alone', () => {
    expect(mask('High CPU on web-1 (94%)', { masking: { disabled: ['percent', 'host'] } })).toBe('High CPU on web-<NUM> (<NUM>%)');
  });

  it('rejects an invalid custom mask with a clear error', () => {
    expect(() => resolveClusteringSettings({ masking: { custom: [{ name: 'bad', pattern: '(' }] } })).toThrow(InvalidClusteringSettingsError);
    expect(() => resolveClusteringSettings({ masking: { custom: [{ name: 'empty', pattern: 'x*' }] } })).toThrow(/empty string/);
    expect(() => resolveClusteringSettings({ masking: { disabled: ['nope' as never] } })).toThrow(/unknown mask kind/);
  });
});
