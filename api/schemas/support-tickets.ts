// Support tickets ("report a problem"): what went wrong, the browser's diagnostics, and the ticket's status history.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const MAX_RECENT_ERRORS = 20;
/** The diagnostics' size as JSON; the route checks it (a schema cannot count bytes). */
export const MAX_DIAGNOSTICS_BYTES = 32 * 1024;

export const TicketStatus = Type.Union([Type.Literal('open'), Type.Literal('in_progress'), Type.Literal('resolved'), Type.Literal('closed')]);

export const Diagnostics = Type.Object(
  {
    version: Type.Optional(Type.String({ maxLength: 100, description: 'The product version the browser ran' })),
    userAgent: Type.Optional(Type.String({ maxLength: 1000 })),
    url: Type.Optional(Type.String({ maxLength: 2000, description: 'Where the problem showed' })),
    viewport: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 50, description: 'e.g. `390x844`' }),
        Type.Object({ width: Type.Integer({ minimum: 0, maximum: 100000 }), height: Type.Integer({ minimum: 0, maximum: 100000 }) }, { additionalProperties: false }),
      ]),
    ),
    recentErrors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            message: Type.String({ maxLength: 2000 }),
            at: Type.String({ format: 'date-time' }),
            url: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: MAX_RECENT_ERRORS, description: `The last errors the page saw, at most ${MAX_RECENT_ERRORS}` },
      ),
    ),
  },
  { additionalProperties: false, description: `Stored as given; at most ${MAX_DIAGNOSTICS_BYTES / 1024} KB as JSON` },
);
export type Diagnostics = Static<typeof Diagnostics>;

export const CreateTicketBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.String({ maxLength: 10000 }),
    diagnostics: Diagnostics,
  },
  { additionalProperties: false },
);

export const UpdateTicketBody = Type.Object(
  {
    status: TicketStatus,
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: 'Why, for the reporter (kept in the history)' })),
  },
  { additionalProperties: false },
);

export const TicketParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const TicketQuery = Type.Object(
  {
    status: Type.Optional(TicketStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 100 })),
  },
  { additionalProperties: false },
);

const Person = Type.Object({ id: Uuid, email: Type.Union([Type.String(), Type.Null()], { description: 'null once they left the account' }) });

export const Ticket = Type.Object({
  id: Uuid,
  number: Type.Integer({ description: 'Per account: 1, 2, 3, ...' }),
  subject: Type.String(),
  description: Type.String(),
  status: TicketStatus,
  diagnostics: Diagnostics,
  createdBy: Person,
  createdAt: DateTime,
  updatedAt: DateTime,
  history: Type.Array(
    Type.Object({
      status: TicketStatus,
      comment: Type.Optional(Type.String()),
      by: Type.Union([Person, Type.Null()], { description: 'null when that person’s user is gone' }),
      at: DateTime,
    }),
    { description: 'Every status the ticket took, oldest first (its opening included)' },
  ),
});

export const TicketList = Type.Object({ tickets: Type.Array(Ticket) });
