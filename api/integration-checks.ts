// What an integration is checked for before it is saved: credentials the tool accepts (and a custom API host only
// where allowed), filters the tool can match, a usable field mapping. Each refusal names the field.
import { restConnectorFor } from '../connectors/registry.ts';
import { ConnectorError, type SourceKind } from '../connectors/types.ts';
import { validateMapping } from '../connectors/field-mapping.ts';
import type { AppDeps } from './deps.ts';
import { AppError } from './errors.ts';
import type { Credentials, IntegrationSettings } from './schemas/integrations.ts';

export const VERIFY_TIMEOUT_MS = 15_000;

export function checkCredentialsAllowed(config: AppDeps['config'], credentials: Credentials | undefined): void {
  if (credentials?.baseUrl && !config.ingestion.allowCustomVendorUrls) {
    throw new AppError(400, 'invalid_body', 'A custom API host is not allowed here', [{ field: 'credentials.baseUrl', in: 'body', message: 'body.credentials.baseUrl is refused (ALLOW_CUSTOM_VENDOR_URLS is off)' }]);
  }
}

/** Filters the tool cannot match are refused, not silently matching nothing. */
export function checkFilters(kind: SourceKind, settings: IntegrationSettings | undefined): void {
  if (settings?.filters?.urgencies?.length && kind !== 'pagerduty') {
    throw new AppError(400, 'invalid_body', 'Only PagerDuty has urgencies', [{ field: 'settings.filters.urgencies', in: 'body', message: `body.settings.filters.urgencies does not apply to ${kind}` }]);
  }
}

export function checkMapping(kind: SourceKind, settings: IntegrationSettings | undefined): void {
  if (kind !== 'webhook' && kind !== 'csv') return;
  if (!settings?.mapping) throw new AppError(400, 'invalid_body', `A ${kind} integration needs a field mapping`, [{ field: 'settings.mapping', in: 'body', message: 'body.settings.mapping is required' }]);
  const problems = validateMapping(settings.mapping);
  if (problems.length > 0) {
    throw new AppError(400, 'invalid_mapping', `The field mapping is not usable: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems.map((p) => ({ field: `settings.mapping.${p.field}`, in: 'body', message: p.message })));
  }
}

/** The tool's word on the credentials: who they belong to, or what is wrong with them, named. */
export async function verifyCredentials(kind: SourceKind, credentials: Credentials | undefined) {
  const connector = restConnectorFor(kind);
  if (!connector) return undefined;
  if (!credentials) throw new AppError(400, 'invalid_body', `A ${kind} integration needs credentials`, [{ field: 'credentials', in: 'body', message: 'body.credentials is required' }]);
  try {
    return await connector.verify(credentials as never, AbortSignal.timeout(VERIFY_TIMEOUT_MS));
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    if (err.kind === 'auth' || err.kind === 'invalid' || err.kind === 'not_found') {
      throw new AppError(400, 'credentials_refused', err.message, [{ field: 'credentials.apiKey', in: 'body', message: err.message }]);
    }
    throw new AppError(502, 'tool_unavailable', `${kind} did not answer usefully: ${err.message}`);
  }
}
