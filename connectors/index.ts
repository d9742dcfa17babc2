// Every connector and the shared contract in one import, for activities and the API (which may use types only).
export * from './types.ts';
export { applyImportSettings, dropFields, hasImportFilters, matchesImportFilters } from './filters.ts';
export { mergeUnified, mergeTimelines, severityFromWord, toIso } from './unified.ts';
export type { HttpTransport } from './http.ts';
export type { WindowCursor } from './windowed-paging.ts';
export { MAPPED_FIELDS, mapRecord, validateMapping, type FieldMapping } from './field-mapping.ts';
export { createPagerDutyConnector, type PagerDutyConnector, type PagerDutyCredentials, type PagerDutyCursor, type PagerDutyRaw } from './pagerduty/index.ts';
export { createOpsgenieConnector, type OpsgenieConnector, type OpsgenieCredentials, type OpsgenieCursor, type OpsgenieRaw } from './opsgenie/index.ts';
export { alertmanagerConnector, type AlertmanagerRaw } from './alertmanager/index.ts';
export { createWebhookConnector, type GenericWebhookRaw } from './webhook/index.ts';
export { importCsv, type CsvImportRow } from './csv/index.ts';
export { intake, snapshotKey, type IntakeEvent, type IntakeResult, type IntakeSettings } from './intake.ts';
export { restConnectorFor, webhookConnectorFor, type ConnectorSettings, type RestConnector } from './registry.ts';
