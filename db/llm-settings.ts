// Each account's controls over what reaches a language model or a remote embedding endpoint (migration 0017).
import type { TransactionSql } from './sql.ts';

export interface LlmSettings {
  /** Off: no text of the account is sent to any model or embedding endpoint; generation falls back to retrieval. */
  enabled: boolean;
  sendDescriptions: boolean;
  sendNotes: boolean;
  /** Extra redaction patterns (analysis/redaction.ts custom patterns), applied before anything leaves. */
  redactionPatterns: string[];
}

export const DEFAULT_LLM_SETTINGS: Readonly<LlmSettings> = Object.freeze({
  enabled: true,
  sendDescriptions: true,
  sendNotes: true,
  redactionPatterns: [],
});

export interface LlmSettingsRow extends LlmSettings {
  updatedBy: string | null;
  updatedAt: Date | null;
}

export async function getLlmSettings(tx: TransactionSql, accountId: string): Promise<LlmSettings> {
  const { updatedBy: _by, updatedAt: _at, ...settings } = await getLlmSettingsRow(tx, accountId);
  return settings;
}

/** The settings with who changed them last; the defaults (with nulls) when the account never saved any. */
export async function getLlmSettingsRow(tx: TransactionSql, accountId: string): Promise<LlmSettingsRow> {
  const [row] = await tx<[LlmSettingsRow?]>`
    select enabled, send_descriptions as "sendDescriptions", send_notes as "sendNotes",
           redaction_patterns as "redactionPatterns", updated_by as "updatedBy", updated_at as "updatedAt"
    from llm_settings where account_id = ${accountId}`;
  return row ?? { ...DEFAULT_LLM_SETTINGS, redactionPatterns: [], updatedBy: null, updatedAt: null };
}

/** Callers validate the patterns first (createRedactor throws InvalidRedactionPatternError). */
export async function putLlmSettings(tx: TransactionSql, accountId: string, settings: LlmSettings, updatedBy: string | null): Promise<LlmSettingsRow> {
  await tx`
    insert into llm_settings (account_id, enabled, send_descriptions, send_notes, redaction_patterns, updated_by, updated_at)
    values (${accountId}, ${settings.enabled}, ${settings.sendDescriptions}, ${settings.sendNotes},
            ${settings.redactionPatterns}, ${updatedBy}, now())
    on conflict (account_id) do update set
      enabled = excluded.enabled, send_descriptions = excluded.send_descriptions, send_notes = excluded.send_notes,
      redaction_patterns = excluded.redaction_patterns, updated_by = excluded.updated_by, updated_at = now()`;
  return getLlmSettingsRow(tx, accountId);
}
