// Ratings of runbooks and drafts, whole or one step: one per person (rating again replaces it). Ratings of whole
// runbooks move them in search.
import type { FastifyRequest } from 'fastify';
import { appendAudit } from '../db/audit.ts';
import { getDraft, ratingSummary, upsertRating, type RatingTarget } from '../db/runbook-drafts.ts';
import { getRunbook, getRunbookVersion } from '../db/runbooks.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import { AppError, notFound } from './errors.ts';
import { auditActor } from './plugins/authentication.ts';
import type { RatingBody } from './schemas/runbook-drafts.ts';

export async function rateRunbookOrDraft(sql: Sql, request: FastifyRequest, kind: RatingTarget, id: string, body: RatingBody) {
  const accountId = request.accountId;
  return withAccount(sql, accountId, async (tx) => {
    let stepCount: number;
    if (kind === 'draft') {
      const draft = await getDraft(tx, accountId, id);
      if (!draft) throw notFound('runbook draft', id);
      stepCount = draft.steps?.length ?? 0;
    } else {
      const runbook = await getRunbook(tx, accountId, id);
      if (!runbook) throw notFound('runbook', id);
      stepCount = (await getRunbookVersion(tx, accountId, id, runbook.currentVersion))?.steps.length ?? 0;
    }
    if (body.step !== undefined && body.step >= stepCount) {
      const message = `body.step is ${body.step}, but the ${kind} has ${stepCount} step(s)`;
      throw new AppError(400, 'invalid_body', message, [{ field: 'step', in: 'body', message }]);
    }
    await upsertRating(tx, { accountId, targetKind: kind, targetId: id, step: body.step, userId: request.caller!.userId, value: body.value, reason: body.reason?.trim() || undefined });
    await appendAudit(tx, accountId, {
      action: 'runbook.rated',
      actor: auditActor(request),
      target: { type: kind === 'draft' ? 'runbook_draft' : 'runbook', id },
      details: { value: body.value, ...(body.step !== undefined ? { step: body.step } : {}) },
    });
    return ratingSummary(tx, accountId, kind, id);
  });
}
