// The runbook library, drafts, search and LLM settings as the web shows them (the API's answers: docs/api.md).
export type Risk = 'read-only' | 'mutating' | 'destructive';
export type TargetType = 'shell' | 'kubectl' | 'aws' | 'sql' | 'systemctl' | 'http' | 'other';
export const RISKS: Risk[] = ['read-only', 'mutating', 'destructive'];
export const TARGET_TYPES: TargetType[] = ['shell', 'kubectl', 'aws', 'sql', 'systemctl', 'http', 'other'];

export interface Step {
  title: string;
  command: string;
  targetType: TargetType;
  explanation: string;
  risk: Risk;
}

export interface Person {
  id: string | null;
  email: string | null;
}

export interface RunbookSummary {
  id: string;
  title: string;
  description: string;
  tags: string[];
  services: string[];
  clusterIds: string[];
  /** The linked clusters of `clusterIds` by name (null: no longer exists). */
  clusters: { id: string; name: string | null }[];
  source: 'manual' | 'import' | 'generated';
  version: number;
  stepCount: number;
  createdBy: Person;
  updatedBy: Person;
  createdAt: string;
  updatedAt: string;
}

export interface Runbook extends RunbookSummary {
  steps: Step[];
  markdown: string;
  versions: { version: number; title: string; note: string | null; createdBy: Person; createdAt: string }[];
  riskRaised?: { step: number; stated: Risk; risk: Risk }[];
}

interface Placed {
  index: number;
  step: Step;
}
export type StepChange =
  | { change: 'added'; to: Placed }
  | { change: 'removed'; from: Placed }
  | { change: 'changed'; from: Placed; to: Placed; fields: (keyof Step)[] };

export interface RunbookDiff {
  runbookId: string;
  from: number;
  to: number;
  fields: (
    | { field: 'title' | 'description'; from: string; to: string }
    | { field: 'tags'; from: string[]; to: string[]; added: string[]; removed: string[] }
  )[];
  steps: StepChange[];
}

export interface ReindexStatus {
  workflowId: string;
  status: 'none' | 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';
  phase: 'clearing' | 'indexing' | 'completed' | null;
  total: number;
  indexed: number;
  failed: number;
  behind: number;
}

export interface RatingSummary {
  up: number;
  down: number;
  steps: { step: number; up: number; down: number }[];
}

export type DraftStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export interface Draft {
  id: string;
  conversationId: string;
  parentId: string | null;
  /** `name`: the pattern's name or the incident's title; null when it no longer exists. */
  subject: { kind: 'incident' | 'cluster'; id: string; name: string | null };
  instruction: string | null;
  status: DraftStatus;
  stage: string | null;
  mode: 'llm' | 'retrieval' | null;
  model: string | null;
  title: string | null;
  summary: string | null;
  steps: Step[] | null;
  sources: {
    runbooks?: { runbookId: string; version: number; title: string; score: number }[];
    incidents?: { id: string; title: string; score: number }[];
  };
  warnings: string[];
  error: string | null;
  workflowId: string | null;
  savedRunbookId: string | null;
  createdAt: string;
  updatedAt: string;
  ratings: RatingSummary;
  conversation: { id: string; instruction: string | null; status: string; createdAt: string }[];
}

export const isFinal = (status: DraftStatus) => status === 'completed' || status === 'failed' || status === 'cancelled';

export interface SearchResult {
  runbooks: { id: string; title: string; version: number; score: number; boost: number; why: { kind: 'chunk' | 'title'; text: string } }[];
  incidents: {
    id: string;
    title: string;
    service: string | null;
    severity: string;
    status: string;
    createdAt: string;
    resolvedAt: string | null;
    clusterId: string | null;
    score: number;
    why: { kind: 'chunk' | 'title'; text: string };
  }[];
  index: string;
  embeddingModel: string;
}

export interface LlmSettings {
  enabled: boolean;
  sendDescriptions: boolean;
  sendNotes: boolean;
  redactionPatterns: string[];
  updatedBy: string | null;
  updatedAt: string | null;
  modelConfigured: boolean;
}

export interface LlmRequest {
  id: string;
  draftId: string | null;
  model: string;
  messages: { role: string; content: string }[];
  redactionCounts: Record<string, number>;
  requestChars: number;
  responseChars: number | null;
  durationMs: number | null;
  outcome: 'ok' | 'invalid' | 'error';
  error: string | null;
  createdAt: string;
}
