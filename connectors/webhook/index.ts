// Generic JSON webhook connector with a user-defined field mapping: the public surface.
export { createWebhookConnector, genericWebhookToUnified, parseGenericWebhook, type GenericWebhookRaw } from './connector.ts';
export { MAPPED_FIELDS, mapRecord, readPath, validateMapping, type FieldMapping, type MappedField, type MappedRecord } from '../field-mapping.ts';
export { TOKEN_HEADER } from '../webhook-auth.ts';
