// Automation schedules: a Temporal Schedule each, firing at cron expressions in an IANA time zone to request runs.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

/** A schedule's or a rule's name. */
export const TriggerName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: 'Shown in lists and in the audit log as the actor (`schedule <name>`, `rule <name>`)' });
const Cron = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  minItems: 1,
  maxItems: 10,
  description: 'Cron expressions (5 fields: minute hour day-of-month month day-of-week, e.g. `0 6 * * 1-5`); the schedule fires at each',
});
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the cron expressions are read in, e.g. `Europe/Berlin` (default UTC)' });

export const ScheduleIdParams = Type.Object({ id: Uuid });

export const CreateScheduleBody = Type.Object(
  {
    name: TriggerName,
    runbookId: Uuid,
    runbookVersion: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()], { description: 'A fixed version; absent or null: the current version when it fires' })),
    targetId: Uuid,
    cron: Cron,
    timeZone: Type.Optional(TimeZone),
    dryRun: Type.Optional(Type.Boolean({ description: 'Runs record what would run and execute nothing' })),
    enabled: Type.Optional(Type.Boolean({ description: 'False: created paused' })),
  },
  { additionalProperties: false },
);
export type CreateScheduleBody = Static<typeof CreateScheduleBody>;

export const UpdateScheduleBody = Type.Partial(CreateScheduleBody, { additionalProperties: false });
export type UpdateScheduleBody = Static<typeof UpdateScheduleBody>;

export const Schedule = Type.Object({
  id: Uuid,
  name: Type.String(),
  runbookId: Uuid,
  runbookTitle: Type.Union([Type.String(), Type.Null()], { description: 'Null: the runbook was deleted (the schedule starts nothing)' }),
  runbookVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'Null: the current version' }),
  targetId: Uuid,
  targetName: Type.Union([Type.String(), Type.Null()], { description: 'Null: the target was deleted (the schedule starts nothing)' }),
  cron: Type.Array(Type.String()),
  timeZone: Type.String(),
  dryRun: Type.Boolean(),
  enabled: Type.Boolean(),
  temporalScheduleId: Type.String({ description: 'For `temporal schedule describe --schedule-id …`' }),
  nextRunTimes: Type.Array(DateTime, { description: 'The next times Temporal will fire it (empty while paused)' }),
  lastFiredAt: Type.Union([DateTime, Type.Null()]),
  lastRunId: Type.Union([Uuid, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last firing started nothing' }),
  createdBy: Type.Union([Uuid, Type.Null()], { description: 'Runs are requested in this person’s name: they cannot approve them' }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const ScheduleEnvelope = Type.Object({ schedule: Schedule });
export const ScheduleList = Type.Object({ schedules: Type.Array(Schedule) });
