// Shared vocabulary for runbooks (issue 7): every runbook producer and consumer speaks these names.

export type StepRisk = 'read-only' | 'mutating' | 'destructive';
export type TargetType = 'shell' | 'kubectl' | 'aws' | 'sql' | 'systemctl' | 'http' | 'other';

export interface RunbookStep {
  title: string;
  command: string;
  targetType: TargetType;
  explanation: string;
  risk: StepRisk;
}

// Ordered from least to most severe; command-risk relies on this order to compare risks.
export const STEP_RISKS = ['read-only', 'mutating', 'destructive'] as const satisfies readonly StepRisk[];
export const TARGET_TYPES = [
  'shell',
  'kubectl',
  'aws',
  'sql',
  'systemctl',
  'http',
  'other',
] as const satisfies readonly TargetType[];
