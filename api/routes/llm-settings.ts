// What the account lets reach a language model (on/off, which fields, extra redaction patterns).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createRedactor, InvalidRedactionPatternError } from '../../analysis/redaction.ts';
import { appendAudit } from '../../db/audit.ts';
import { getLlmSettingsRow, putLlmSettings } from '../../db/llm-settings.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { auditActor } from '../plugins/authentication.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { LlmSettings, LlmSettingsBody } from '../schemas/llm-settings.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

export const llmSettingsRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql, config } = deps;
  const modelConfigured = Boolean(config.openai.model && (config.openai.baseUrl || config.openai.apiKey));
  const view = (row: Awaited<ReturnType<typeof getLlmSettingsRow>>) => ({
    ...row,
    updatedAt: row.updatedAt ? new Date(row.updatedAt).toISOString() : null,
    modelConfigured,
  });

  app.get(
    '/api/settings/llm',
    { config: { access: 'llm:manage' }, schema: { tags: ['runbooks'], summary: 'What the account lets reach a language model', response: { 200: LlmSettings, ...errors } } },
    async (request) => view(await withAccount(sql, request.accountId, (tx) => getLlmSettingsRow(tx, request.accountId))),
  );

  app.put(
    '/api/settings/llm',
    {
      config: { access: 'llm:manage' },
      schema: {
        tags: ['runbooks'],
        summary: 'Change what the account lets reach a language model',
        description: 'A redaction pattern that is not a valid, safe regular expression is refused with 400 naming `redactionPatterns.<index>`.',
        body: LlmSettingsBody,
        response: { 200: LlmSettings, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      body.redactionPatterns.forEach((pattern, i) => {
        try {
          createRedactor({ customPatterns: [pattern] });
        } catch (err) {
          if (!(err instanceof InvalidRedactionPatternError)) throw err;
          throw new AppError(400, 'invalid_body', err.message, [{ field: `redactionPatterns.${i}`, in: 'body', message: err.message }]);
        }
      });
      const accountId = request.accountId;
      const row = await withAccount(sql, accountId, async (tx) => {
        const before = await getLlmSettingsRow(tx, accountId);
        const saved = await putLlmSettings(tx, accountId, body, request.caller!.userId);
        await appendAudit(tx, accountId, {
          action: 'llm_settings.updated',
          actor: auditActor(request),
          target: { type: 'account', id: accountId },
          // The patterns may themselves name customers: the count is enough for the log.
          details: {
            enabled: body.enabled,
            sendDescriptions: body.sendDescriptions,
            sendNotes: body.sendNotes,
            redactionPatterns: body.redactionPatterns.length,
            wasEnabled: before.enabled,
          },
        });
        return saved;
      });
      return view(row);
    },
  );
};
