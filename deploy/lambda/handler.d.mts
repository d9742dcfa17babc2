// Types for the reference Lambda function (handler.mjs), so the local Lambda server in tests can run the same code.
export interface StepEvent {
  command: string;
  idempotencyKey: string;
  timeoutSeconds?: number;
  maxOutputBytes?: number;
}
export interface ShellResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  truncated: boolean;
}
export interface StepResult extends ShellResult {
  alreadyRan: boolean;
}
export interface IdempotencyStore {
  claim(key: string): Promise<null | { status: 'completed'; result: ShellResult } | { status: 'running'; pending?: Promise<ShellResult | undefined> }>;
  save(key: string, result: ShellResult): Promise<void>;
  release(key: string): Promise<void>;
}
export type CommandRunner = (command: string, options: { timeoutSeconds: number; maxOutputBytes: number }) => Promise<ShellResult>;
export function runShell(command: string, options?: { timeoutSeconds?: number; maxOutputBytes?: number; env?: NodeJS.ProcessEnv }): Promise<ShellResult>;
export function memoryStore(): IdempotencyStore;
export function dynamoStore(tableName: string): Promise<IdempotencyStore>;
export function execute(event: unknown, store: IdempotencyStore, run?: CommandRunner): Promise<StepResult>;
export function handler(event: unknown): Promise<StepResult>;
