// The runbook re-index job: start it, follow its status and progress.
import { Type } from 'typebox';

export const ReindexStarted = Type.Object({
  workflowId: Type.String(),
  started: Type.Boolean({ description: 'false: a re-index was already running; this is that one' }),
});

export const ReindexStatus = Type.Object({
  workflowId: Type.String(),
  status: Type.Union([Type.Literal('none'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('cancelled'), Type.Literal('terminated'), Type.Literal('timed_out')], {
    description: 'none: never re-indexed',
  }),
  phase: Type.Union([Type.Literal('clearing'), Type.Literal('indexing'), Type.Literal('completed'), Type.Null()]),
  total: Type.Integer({ description: 'Runbooks when the re-index started (or the account’s runbooks, with none)' }),
  indexed: Type.Integer(),
  failed: Type.Integer(),
  behind: Type.Integer({ description: 'Runbooks whose current version is not the indexed one, now' }),
});
