import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UnifiedIncident } from '../types.ts';
import { mergeUnified } from '../unified.ts';
import { alertmanagerConnector, alertmanagerSeverity, alertmanagerService, parseAlertmanagerWebhook } from './index.ts';

const fixtureText = (name: string) => readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8');
const bearer = { authorization: 'Bearer am-token' };

describe('Alertmanager webhook receiver', () => {
  it('accepts a bearer token or basic auth equal to the secret', () => {
    const body = fixtureText('webhook-firing.json');
    expect(parseAlertmanagerWebhook(bearer, body, 'am-token').ok).toBe(true);
    const basic = { authorization: `Basic ${Buffer.from('alertmanager:pa:ss').toString('base64')}` };
    expect(parseAlertmanagerWebhook(basic, body, 'alertmanager:pa:ss').ok).toBe(true);
  });

  it('rejects wrong or missing credentials', () => {
    const body = fixtureText('webhook-firing.json');
    expect(parseAlertmanagerWebhook({ authorization: 'Bearer guess' }, body, 'am-token')).toMatchObject({ ok: false, reason: 'signature' });
    expect(parseAlertmanagerWebhook({}, body, 'am-token')).toMatchObject({ ok: false, reason: 'unauthenticated' });
  });

  it('rejects other payload versions and malformed alerts', () => {
    const v3 = fixtureText('webhook-firing.json').replace('"version": "4"', '"version": "3"');
    expect(parseAlertmanagerWebhook(bearer, v3, 'am-token')).toMatchObject({ ok: false, reason: 'unsupported' });
    const broken = JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: {} }] });
    expect(parseAlertmanagerWebhook(bearer, broken, 'am-token')).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('alerts[0]') });
  });

  it('makes one event per alert, mapped from labels and annotations', () => {
    const result = parseAlertmanagerWebhook(bearer, fixtureText('webhook-firing.json'), 'am-token');
    if (!result.ok) throw new Error(result.message);
    expect(result.events.map((e) => e.eventId)).toEqual(['c2b8f4e1a9d3057e@2025-03-04T09:12:44.317Z:firing', '7f3a91c0de22b4a8@2025-03-04T09:13:01.002Z:firing']);
    const [cpu, disk] = result.events.map((e) => alertmanagerConnector.toUnified(e.raw) as UnifiedIncident);
    expect(cpu).toMatchObject({
      source: 'alertmanager',
      externalId: 'c2b8f4e1a9d3057e@2025-03-04T09:12:44.317Z',
      title: 'High CPU on ip-10-2-3-4 (94%)',
      description: 'CPU utilisation on ip-10-2-3-4 has been above 85% for 10 minutes.',
      service: 'checkout-api',
      team: 'payments',
      severity: 'P1',
      severityOriginal: 'critical',
      status: 'triggered',
      createdAt: '2025-03-04T09:12:44.317Z',
      dedupKey: 'c2b8f4e1a9d3057e',
      tags: ['HighCPU'],
      url: 'http://prometheus.example.com:9090/graph?g0.expr=node_cpu_utilisation+%3E+0.85&g0.tab=1',
    });
    expect(cpu!.labels).toMatchObject({ instance: 'ip-10-2-3-4:9100', runbook_url: 'https://runbooks.example.com/high-cpu' });
    expect(cpu!.resolvedAt).toBeUndefined();
    // No summary annotation: the alert name is the title; no service label: the scrape job names the service.
    expect(disk).toMatchObject({ title: 'KubeNodeDiskPressure', service: 'kube-state-metrics', severity: 'P3', severityOriginal: 'warning' });
  });

  it('resolves the same incident when the alert resolves, and opens a new one when it fires again', () => {
    const firing = parseAlertmanagerWebhook(bearer, fixtureText('webhook-firing.json'), 'am-token');
    const resolved = parseAlertmanagerWebhook(bearer, fixtureText('webhook-resolved.json'), 'am-token');
    if (!firing.ok || !resolved.ok) throw new Error('fixtures must parse');
    const first = alertmanagerConnector.toUnified(firing.events[0]!.raw);
    const end = alertmanagerConnector.toUnified(resolved.events[0]!.raw);
    expect(end.externalId).toBe(first.externalId);
    expect(resolved.events[0]!.eventId).not.toBe(firing.events[0]!.eventId);
    expect(mergeUnified(first as UnifiedIncident, end)).toMatchObject({ status: 'resolved', resolvedAt: '2025-03-04T10:03:14.551Z', createdAt: '2025-03-04T09:12:44.317Z' });
    const refired = fixtureText('webhook-firing.json').replaceAll('2025-03-04T09:12:44.317Z', '2025-03-04T14:00:00.000Z');
    const again = parseAlertmanagerWebhook(bearer, refired, 'am-token');
    expect(again.ok && alertmanagerConnector.toUnified(again.events[0]!.raw).externalId).toBe('c2b8f4e1a9d3057e@2025-03-04T14:00:00.000Z');
  });

  it('reads severity words and service labels in the documented order', () => {
    expect(alertmanagerSeverity({ severity: 'error' })).toEqual({ severity: 'P2', severityOriginal: 'error' });
    expect(alertmanagerSeverity({ severity: 'info' })).toEqual({ severity: 'P5', severityOriginal: 'info' });
    expect(alertmanagerSeverity({ severity: 'page-me-now' })).toEqual({ severity: 'P3', severityOriginal: 'page-me-now' });
    expect(alertmanagerSeverity({})).toEqual({ severity: 'P3', severityOriginal: undefined });
    expect(alertmanagerService({ namespace: 'prod', job: 'node' })).toBe('node');
    expect(alertmanagerService({ namespace: 'prod', app: 'api', job: 'node' })).toBe('api');
    expect(alertmanagerService({})).toBeUndefined();
  });
});
