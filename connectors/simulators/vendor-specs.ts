// Checks requests and responses against the vendors' own API descriptions (../shared/specs): fixtures, simulators, connectors.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on .default.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/**
 * Where the vendors' descriptions are: `../shared/specs` beside the checkout, else the workspace's
 * `/work/shared/specs` (for a clone made elsewhere, as CI does). Not found is an error naming both places: a
 * conformance check that cannot read the specs must not pass.
 */
export const SPECS_DIR = findSpecsDir();

function findSpecsDir(): string {
  const candidates = [resolve(import.meta.dirname, '../../../shared/specs'), '/work/shared/specs'];
  const found = candidates.find((dir) => existsSync(resolve(dir, 'pagerduty/rest-v2.openapi.json')));
  if (!found) throw new Error(`the vendors' API descriptions are in neither ${candidates.join(' nor ')}`);
  return found;
}

type Json = Record<string, unknown>;

export interface VendorSpec {
  /** The path template a concrete path matches (`/incidents/Q1/log_entries` → `/incidents/{id}/log_entries`). */
  matchPath(path: string): string | undefined;
  /** Query parameter names the description declares for GET on that template (`statuses[]` included as written). */
  queryParameters(template: string): Set<string>;
  /** Problems with a request's query: undeclared names, values outside the declared type, enum or range. */
  checkQuery(template: string, query: [string, string][]): string[];
  /** Validation errors of a response body against the declared schema for that status (empty when it conforms). */
  validateResponse(template: string, status: number, body: unknown): string[];
  /** Validation errors of a value against a named schema (components/schemas or definitions). */
  validateSchema(name: string, value: unknown): string[];
}

/**
 * Known defects of the published descriptions, corrected before validating. Each says what the real API does.
 * Without them no real acknowledgement log entry and no log entry with a channel could ever validate.
 */
export const PAGERDUTY_ERRATA = [
  'AcknowledgeLogEntry narrows `type` to "acknowledgement_log_entry", which the LogEntry base enum does not contain; the API sends "acknowledge_log_entry".',
  'Channel lists its variants under oneOf, but none of them excludes another ({"type": "api"} matches all five), so it is read as anyOf.',
] as const;

function applyPagerDutyErrata(spec: Json): void {
  const schemas = (spec['components'] as Json)['schemas'] as Record<string, Json>;
  const ack = (schemas['AcknowledgeLogEntry']!['allOf'] as Json[])[1] as { properties: { type: { enum: string[] } } };
  ack.properties.type.enum = ['acknowledge_log_entry', 'acknowledgement_log_entry'];
  const channel = schemas['Channel']!;
  channel['anyOf'] = channel['oneOf'];
  delete channel['oneOf'];
}

function templateMatcher(templates: string[]): (path: string) => string | undefined {
  const compiled = templates
    .map((template) => ({ template, regex: new RegExp(`^${template.replace(/\/+$/, '').replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`), literal: !template.includes('{') }))
    // Literal paths first: /v2/alerts/count must not be read as /v2/alerts/{identifier}.
    .sort((a, b) => Number(b.literal) - Number(a.literal));
  return (path) => compiled.find((c) => c.regex.test(path))?.template;
}

function formatErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // Formats the descriptions use that JSON Schema does not define; their values are free text here.
  for (const format of ['tzinfo', 'activesupport-time-zone', 'url', 'int32', 'int64', 'float', 'double']) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** One query value against its parameter: OpenAPI 3 keeps the type under `schema`, Swagger 2 on the parameter itself. */
function checkQueryValue(param: Json, value: string): string | undefined {
  let schema = (param['schema'] as Json | undefined) ?? param;
  if (schema['type'] === 'array' && schema['items']) schema = schema['items'] as Json;
  const name = String(param['name']);
  const enumeration = schema['enum'] as unknown[] | undefined;
  if (enumeration && !enumeration.map(String).includes(value)) return `${name}=${value} is not one of ${enumeration.join(', ')}`;
  if (schema['type'] === 'integer') {
    if (!/^-?\d+$/.test(value)) return `${name}=${value} is not an integer`;
    const n = Number(value);
    if (typeof schema['minimum'] === 'number' && n < schema['minimum']) return `${name}=${value} is below ${schema['minimum']}`;
    if (typeof schema['maximum'] === 'number' && n > schema['maximum']) return `${name}=${value} is above ${schema['maximum']}`;
  }
  if (schema['type'] === 'boolean' && value !== 'true' && value !== 'false') return `${name}=${value} is not a boolean`;
  return undefined;
}

function checkQueryAgainst(params: Json[], template: string, query: [string, string][]): string[] {
  const byName = new Map(params.filter((p) => p['in'] === 'query').map((p) => [String(p['name']), p]));
  const problems: string[] = [];
  for (const [name, value] of query) {
    const param = byName.get(name);
    if (!param) problems.push(`GET ${template} does not declare the query parameter ${name}`);
    else {
      const problem = checkQueryValue(param, value);
      if (problem) problems.push(`GET ${template}: ${problem}`);
    }
  }
  return problems;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** The PagerDuty REST v2 description (OpenAPI 3.0): large, so load it once per test file. */
export function loadPagerDutySpec(dir = SPECS_DIR): VendorSpec {
  const spec = JSON.parse(readFileSync(resolve(dir, 'pagerduty/rest-v2.openapi.json'), 'utf8')) as Json;
  applyPagerDutyErrata(spec);
  const ajv = newAjv();
  ajv.addSchema({ ...spec, $id: 'pagerduty' });
  const paths = spec['paths'] as Record<string, Record<string, Json>>;
  const components = spec['components'] as Json;
  const cache = new Map<string, ValidateFunction>();
  const compile = (ref: string) => {
    let validate = cache.get(ref);
    if (!validate) cache.set(ref, (validate = ajv.compile({ $ref: ref })));
    return validate;
  };
  const resolveParam = (p: Json): Json => {
    const ref = p['$ref'];
    if (typeof ref !== 'string') return p;
    return (components['parameters'] as Record<string, Json>)[ref.split('/').pop()!]!;
  };
  return {
    matchPath: templateMatcher(Object.keys(paths)),
    queryParameters(template) {
      const params = ((paths[template]?.['get']?.['parameters'] ?? []) as Json[]).map(resolveParam);
      return new Set(params.filter((p) => p['in'] === 'query').map((p) => String(p['name'])));
    },
    checkQuery(template, query) {
      return checkQueryAgainst(((paths[template]?.['get']?.['parameters'] ?? []) as Json[]).map(resolveParam), template, query);
    },
    validateResponse(template, status, body) {
      const responses = paths[template]?.['get']?.['responses'] as Record<string, Json> | undefined;
      const key = responses?.[String(status)] ? String(status) : 'default';
      let response = responses?.[key];
      if (!response) return [`no ${status} response declared for GET ${template}`];
      let at = pointer('paths', template, 'get', 'responses', key);
      const ref = response['$ref'];
      if (typeof ref === 'string') {
        at = ref.slice(2);
        response = (components['responses'] as Record<string, Json>)[ref.split('/').pop()!]!;
      }
      if (!(response['content'] as Json | undefined)?.['application/json']) return [];
      const validate = compile(`pagerduty#/${at}/content/application~1json/schema`);
      return validate(body) ? [] : formatErrors(validate);
    },
    validateSchema(name, value) {
      const validate = compile(`pagerduty#/components/schemas/${name}`);
      return validate(value) ? [] : formatErrors(validate);
    },
  };
}

/** The Opsgenie REST description (Swagger 2.0, definitions at the root). */
export function loadOpsgenieSpec(dir = SPECS_DIR): VendorSpec {
  const spec = JSON.parse(readFileSync(resolve(dir, 'opsgenie/swagger.json'), 'utf8')) as Json;
  const ajv = newAjv();
  ajv.addSchema({ ...spec, $id: 'opsgenie' });
  const paths = spec['paths'] as Record<string, Record<string, Json>>;
  const parameters = spec['parameters'] as Record<string, Json>;
  const responsesAt = spec['responses'] as Record<string, Json>;
  const cache = new Map<string, ValidateFunction>();
  const compile = (ref: string) => {
    let validate = cache.get(ref);
    if (!validate) cache.set(ref, (validate = ajv.compile({ $ref: ref })));
    return validate;
  };
  const resolveParam = (p: Json): Json => (typeof p['$ref'] === 'string' ? parameters[(p['$ref'] as string).split('/').pop()!]! : p);
  const getParams = (template: string) => [...((paths[template]?.['parameters'] ?? []) as Json[]), ...((paths[template]?.['get']?.['parameters'] ?? []) as Json[])].map(resolveParam);
  return {
    matchPath: templateMatcher(Object.keys(paths)),
    queryParameters(template) {
      return new Set(getParams(template).filter((p) => p['in'] === 'query').map((p) => String(p['name'])));
    },
    checkQuery(template, query) {
      return checkQueryAgainst(getParams(template), template, query);
    },
    validateResponse(template, status, body) {
      const responses = paths[template]?.['get']?.['responses'] as Record<string, Json> | undefined;
      const key = responses?.[String(status)] ? String(status) : 'default';
      const response = responses?.[key];
      if (!response) return [`no ${status} response declared for GET ${template}`];
      const ref = response['$ref'];
      const at = typeof ref === 'string' ? ref.slice(2) : pointer('paths', template, 'get', 'responses', key);
      const resolved = typeof ref === 'string' ? responsesAt[ref.split('/').pop()!]! : response;
      if (!resolved['schema']) return [];
      const validate = compile(`opsgenie#/${at}/schema`);
      return validate(body) ? [] : formatErrors(validate);
    },
    validateSchema(name, value) {
      const validate = compile(`opsgenie#/definitions/${name}`);
      return validate(value) ? [] : formatErrors(validate);
    },
  };
}
