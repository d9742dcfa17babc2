// PagerDuty connector (REST v2, webhooks v3): the public surface.
export { createPagerDutyConnector, type PagerDutyConnector, type PagerDutyConnectorOptions, type PagerDutyCursor } from './connector.ts';
export type { PagerDutyCredentials } from './client.ts';
export { incidentToUnified, logEntryToTimeline, pagerDutySeverity, pagerDutyToUnified, webhookEventToUnified } from './mapping.ts';
export { parsePagerDutyWebhook, signPagerDutyBody, verifyPagerDutySignature } from './webhook.ts';
export type { PagerDutyRaw, PdIncident, PdLogEntry, PdWebhookEvent } from './wire.ts';
