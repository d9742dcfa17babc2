// Integrations (connected ticket tools): credentials, what to import, how their webhooks are reached, history imports.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';
import { Job } from './jobs.ts';

export const IntegrationKind = Type.Union(
  [Type.Literal('pagerduty'), Type.Literal('opsgenie'), Type.Literal('alertmanager'), Type.Literal('webhook'), Type.Literal('csv')],
  { description: 'pagerduty and opsgenie have an API to import history from; the others only push (webhooks) or upload (csv)' },
);

const Status = Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Severity = Type.Union([Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3'), Type.Literal('P4'), Type.Literal('P5')]);
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 });

export const Credentials = Type.Object(
  {
    // Printable ASCII: the key travels in an HTTP header, which cannot carry anything else.
    apiKey: Type.String({ minLength: 8, maxLength: 500, pattern: '^[\\x21-\\x7E]+$', description: 'PagerDuty REST API key, or Opsgenie API key (GenieKey): printable ASCII. Never returned' }),
    region: Type.Optional(Type.Union([Type.Literal('us'), Type.Literal('eu')], { description: 'Opsgenie: which host (default us)' })),
    baseUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 500, description: 'Another API host (a proxy, a simulator); refused in production' })),
  },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;

export const ImportFilters = Type.Object(
  {
    services: Type.Optional(Names),
    teams: Type.Optional(Names),
    urgencies: Type.Optional(Names),
    priorities: Type.Optional(Names),
    statuses: Type.Optional(Type.Array(Status, { maxItems: 3 })),
  },
  { additionalProperties: false, description: 'Only incidents matching every list given are imported (names or ids)' },
);

export const DroppableField = Type.Union([
  Type.Literal('description'),
  Type.Literal('notes'),
  Type.Literal('assignees'),
  Type.Literal('tags'),
  Type.Literal('labels'),
  Type.Literal('url'),
]);

const Path = Type.String({ minLength: 1, maxLength: 300 });
export const FieldMapping = Type.Object(
  {
    fields: Type.Record(Type.String(), Path, { description: 'Unified field → JSON pointer, dotted path or CSV column' }),
    labels: Type.Optional(Type.Record(Type.String(), Path)),
    severityMap: Type.Optional(Type.Record(Type.String(), Severity)),
    statusMap: Type.Optional(Type.Record(Type.String(), Status)),
    defaults: Type.Optional(Type.Object({ severity: Type.Optional(Severity), status: Type.Optional(Status) }, { additionalProperties: false })),
    records: Type.Optional(Path),
    eventId: Type.Optional(Path),
  },
  { additionalProperties: false },
);

export const IntegrationSettings = Type.Object(
  {
    filters: Type.Optional(ImportFilters),
    drop: Type.Optional(Type.Array(DroppableField, { maxItems: 6, description: 'Parts not to import (and not to store in any form)' })),
    history: Type.Optional(
      Type.Object(
        {
          since: Type.Optional(DateTime),
          until: Type.Optional(DateTime),
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'History to import when `since` is not given (default 90)' })),
        },
        { additionalProperties: false },
      ),
    ),
    mapping: Type.Optional(FieldMapping),
  },
  { additionalProperties: false },
);
export type IntegrationSettings = Static<typeof IntegrationSettings>;

export const CreateIntegrationBody = Type.Object(
  {
    kind: IntegrationKind,
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    credentials: Type.Optional(Credentials),
    webhookSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 500, description: 'PagerDuty: the signing secret of your webhook subscription' })),
    settings: Type.Optional(IntegrationSettings),
    syncIntervalMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    backfill: Type.Optional(Type.Boolean({ default: true, description: 'Import the history window now (tools with an API)' })),
  },
  { additionalProperties: false },
);
export type CreateIntegrationBody = Static<typeof CreateIntegrationBody>;

export const UpdateIntegrationBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
    credentials: Type.Optional(Credentials),
    webhookSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
    settings: Type.Optional(IntegrationSettings),
    syncIntervalMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const VerifyCredentialsBody = Type.Object({ kind: IntegrationKind, credentials: Credentials }, { additionalProperties: false });
export const VerifiedCredentials = Type.Object({
  account: Type.Object({ name: Type.String(), details: Type.Record(Type.String(), Type.String()) }),
  choices: Type.Object({
    services: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    teams: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    priorities: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    urgencies: Type.Array(Type.String()),
  }),
});

export const Integration = Type.Object({
  id: Uuid,
  kind: IntegrationKind,
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('error')]),
  error: Type.Union([Type.String(), Type.Null()]),
  errorAt: Type.Union([DateTime, Type.Null()]),
  settings: IntegrationSettings,
  syncIntervalMinutes: Type.Integer(),
  watermark: Type.Union([DateTime, Type.Null()]),
  lastSyncedAt: Type.Union([DateTime, Type.Null()]),
  hasCredentials: Type.Boolean(),
  webhook: Type.Object({
    url: Type.String({ description: 'Where the tool posts events' }),
    auth: Type.String({ description: 'How the tool proves it is the tool: its signature, or our secret in a header' }),
    configured: Type.Boolean({ description: 'Whether a secret is set (events are refused without one)' }),
  }),
  incidents: Type.Integer({ description: 'Unified incidents from this integration' }),
  backfill: Type.Union([Job, Type.Null()], { description: 'The newest history import' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const IntegrationEnvelope = Type.Object({ integration: Integration });
export const CreatedIntegration = Type.Object({
  integration: Integration,
  webhookSecret: Type.Optional(Type.String({ description: 'Shown this once: configure the tool to send it (see `integration.webhook.auth`)' })),
  verified: Type.Optional(Type.Object({ name: Type.String(), details: Type.Record(Type.String(), Type.String()) })),
});
export const IntegrationList = Type.Object({ integrations: Type.Array(Integration) });
export const IntegrationParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const DeleteIntegrationQuery = Type.Object(
  { keepData: Type.Optional(Type.Boolean({ default: false, description: 'Keep its incidents (they stay, without an integration)' })) },
  { additionalProperties: false },
);
export const BackfillBody = Type.Object(
  { since: Type.Optional(DateTime), until: Type.Optional(DateTime) },
  { additionalProperties: false, description: 'Defaults: the integration’s history settings, until now' },
);
export const BackfillStarted = Type.Object({ job: Job });
export const RotatedSecret = Type.Object({ webhookSecret: Type.String({ description: 'Shown this once; the previous one stops working' }) });
