// Prometheus Alertmanager webhook receiver connector: the public surface.
import type { WebhookConnector } from '../types.ts';
import { alertmanagerToUnified } from './mapping.ts';
import { parseAlertmanagerWebhook } from './webhook.ts';
import type { AlertmanagerRaw } from './wire.ts';

export { alertEndsAt, alertmanagerIncidentId, alertmanagerService, alertmanagerSeverity, alertmanagerToUnified, SERVICE_LABELS } from './mapping.ts';
export { parseAlertmanagerWebhook } from './webhook.ts';
export type { AlertmanagerAlert, AlertmanagerPayload, AlertmanagerRaw } from './wire.ts';

export const alertmanagerConnector: WebhookConnector<AlertmanagerRaw> = {
  kind: 'alertmanager',
  parseWebhook: parseAlertmanagerWebhook,
  toUnified: alertmanagerToUnified,
};
