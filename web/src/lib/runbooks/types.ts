// The runbook library, drafts, search and LLM settings as the web shows them, named from the generated schema
// (#lib/api).
import type { Answer, Body } from '#lib/api/index.ts';

export type Runbook = Answer<'/api/runbooks/{id}', 'get'>;
export type RunbookSummary = Answer<'/api/runbooks', 'get'>['runbooks'][number];
export type Step = Runbook['steps'][number];
export type Risk = Step['risk'];
export type TargetType = Step['targetType'];
export const RISKS: Risk[] = ['read-only', 'mutating', 'destructive'];
export const TARGET_TYPES: TargetType[] = ['shell', 'kubectl', 'aws', 'sql', 'systemctl', 'http', 'other'];

/** What the runbook form sends (new and edit), and what it shows again after a refusal: all but the version note. */
export type RunbookBody = Body<'/api/runbooks', 'post'>;
export type RunbookValues = Required<Omit<RunbookBody, 'note'>>;

export type RunbookDiff = Answer<'/api/runbooks/{id}/diff', 'get'>;
export type StepChange = RunbookDiff['steps'][number];
export type ReindexStatus = Answer<'/api/runbooks/reindex', 'get'>;

export type Draft = Answer<'/api/runbook-drafts/{id}', 'get'>;
export type DraftStatus = Draft['status'];
export type RatingSummary = Draft['ratings'];

export const isFinal = (status: DraftStatus) => status === 'completed' || status === 'failed' || status === 'cancelled';

export type SearchResult = Answer<'/api/search', 'get'>;
export type LlmSettings = Answer<'/api/settings/llm', 'get'>;
export type LlmRequest = Answer<'/api/llm-requests', 'get'>['requests'][number];
