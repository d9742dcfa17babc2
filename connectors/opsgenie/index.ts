// Opsgenie connector (Alert API v2, Incident API v1, webhook integration; US and EU hosts): the public surface.
export { createOpsgenieConnector, type OpsgenieConnector, type OpsgenieConnectorOptions, type OpsgenieCursor } from './connector.ts';
export type { OpsgenieCredentials } from './client.ts';
export { alertLogToTimeline, alertToUnified, opsgenieIncidentToUnified, opsgenieService, opsgenieSeverity, opsgenieToUnified, webhookPayloadToUnified } from './mapping.ts';
export { parseOpsgenieWebhook } from './webhook.ts';
export { OPSGENIE_HOSTS, type OgAlert, type OgWebhookPayload, type OpsgenieRaw, type OpsgenieRegion } from './wire.ts';
