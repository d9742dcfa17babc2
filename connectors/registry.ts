// Which connector serves an integration of each kind, configured from the integration's settings.
import { createWebhookConnector } from './webhook/index.ts';
import { alertmanagerConnector } from './alertmanager/index.ts';
import { createOpsgenieConnector, type OpsgenieConnector } from './opsgenie/index.ts';
import { createPagerDutyConnector, type PagerDutyConnector } from './pagerduty/index.ts';
import type { FieldMapping } from './field-mapping.ts';
import { ConnectorError, type SourceKind, type UnifiedRecord, type WebhookConnector } from './types.ts';

export type RestConnector = PagerDutyConnector | OpsgenieConnector;

/** What an integration's settings hold that its connector needs (a generic webhook's or CSV's field mapping). */
export interface ConnectorSettings {
  mapping?: FieldMapping;
}

export function webhookConnectorFor(kind: SourceKind, settings: ConnectorSettings): WebhookConnector<unknown> {
  switch (kind) {
    case 'pagerduty':
      return createPagerDutyConnector() as WebhookConnector<unknown>;
    case 'opsgenie':
      return createOpsgenieConnector() as WebhookConnector<unknown>;
    case 'alertmanager':
      return alertmanagerConnector as WebhookConnector<unknown>;
    case 'webhook':
    case 'csv': {
      if (!settings.mapping) throw new ConnectorError('invalid', `a ${kind} integration needs a field mapping`);
      const connector = createWebhookConnector(settings.mapping);
      return { ...connector, kind, toUnified: (raw: unknown): UnifiedRecord => ({ ...connector.toUnified(raw), source: kind }) };
    }
  }
}

/** The tools with an API to verify credentials and page through history. */
export function restConnectorFor(kind: SourceKind): RestConnector | undefined {
  if (kind === 'pagerduty') return createPagerDutyConnector();
  if (kind === 'opsgenie') return createOpsgenieConnector();
  return undefined;
}
