// Maps one Alertmanager alert to a unified incident: identity, severity, title and service from labels and annotations.
import type { UnifiedIncident } from '../types.ts';
import { compact, requireIso, severityFromWord, timelineEvent, toIso } from '../unified.ts';
import type { AlertmanagerAlert, AlertmanagerRaw } from './wire.ts';

/** Go's zero time: Alertmanager's "no end known" for firing alerts. */
const UNKNOWN_END = /^0001-01-01T00:00:00(\.0+)?Z$/;

export function alertEndsAt(alert: AlertmanagerAlert): string | undefined {
  return UNKNOWN_END.test(alert.endsAt) ? undefined : toIso(alert.endsAt);
}

/**
 * An alert's identity is its fingerprint plus when it started: the fingerprint alone is the same for every firing
 * of the same label set, so an alert that fires again after being resolved becomes a new incident (as a pager would
 * page again), while repeated notifications of one firing update the same incident. The fingerprint stays the
 * dedupKey, which groups the firings for clustering and trends.
 */
export function alertmanagerIncidentId(alert: AlertmanagerAlert): string {
  return `${alert.fingerprint}@${requireIso(alert.startsAt, `alert ${alert.fingerprint} startsAt`)}`;
}

/**
 * The service, from the first label of: service, app, app_kubernetes_io_name, job, namespace. Alerting rules
 * usually carry an explicit service label; otherwise the scrape job names the thing monitored, and the Kubernetes
 * namespace is the coarsest owner there is.
 */
export const SERVICE_LABELS = ['service', 'app', 'app_kubernetes_io_name', 'job', 'namespace'] as const;

export function alertmanagerService(labels: Record<string, string>): string | undefined {
  for (const key of SERVICE_LABELS) if (labels[key]) return labels[key];
  return undefined;
}

/**
 * Severity from labels.severity (critical → P1, error/high → P2, warning → P3, low/minor → P4, info/none → P5),
 * else labels.priority; P3 when neither is known, keeping the original text.
 */
export function alertmanagerSeverity(labels: Record<string, string>) {
  const original = labels['severity'] ?? labels['priority'];
  return { severity: severityFromWord(original) ?? 'P3', severityOriginal: original };
}

export function alertmanagerToUnified(raw: AlertmanagerRaw): UnifiedIncident {
  const { alert } = raw;
  const createdAt = requireIso(alert.startsAt, `alert ${alert.fingerprint} startsAt`);
  const endsAt = alertEndsAt(alert);
  const resolved = alert.status === 'resolved';
  const resolvedAt = resolved ? (endsAt ?? createdAt) : undefined;
  const timeline = [timelineEvent('triggered', createdAt, { actor: raw.receiver ? `alertmanager/${raw.receiver}` : undefined })];
  if (resolvedAt) timeline.push(timelineEvent('resolved', resolvedAt));
  const labels = alert.labels ?? {};
  return compact({
    kind: 'incident',
    source: 'alertmanager',
    externalId: alertmanagerIncidentId(alert),
    title: alert.annotations?.['summary'] ?? alert.annotations?.['title'] ?? labels['alertname'] ?? alert.fingerprint,
    description: alert.annotations?.['description'] ?? alert.annotations?.['message'],
    service: alertmanagerService(labels),
    team: labels['team'],
    ...alertmanagerSeverity(labels),
    status: resolved ? 'resolved' : 'triggered',
    createdAt,
    resolvedAt,
    observedAt: resolvedAt ?? createdAt,
    assignees: [],
    tags: labels['alertname'] ? [labels['alertname']] : [],
    url: alert.generatorURL || raw.externalURL || undefined,
    dedupKey: alert.fingerprint,
    labels: { ...labels, ...(alert.annotations?.['runbook_url'] ? { runbook_url: alert.annotations['runbook_url'] } : {}) },
    timeline,
  }) as UnifiedIncident;
}
