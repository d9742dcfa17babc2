// Picks the executor for a target's kind: what the automation run activities call to reach a Lambda function or SSH host.
import type { Redactor } from '../../analysis/redaction.ts';
import { createLambdaExecutor } from './lambda.ts';
import { createSshExecutor, type SshExecutorOptions } from './ssh.ts';
import type { CommandExecutor, LambdaTargetConfig, LambdaTargetSecrets, SshTargetConfig, SshTargetSecrets } from './types.ts';

export * from './types.ts';
export { createLambdaExecutor } from './lambda.ts';
export { createSshExecutor, type SshExecutorOptions } from './ssh.ts';
export { finishOutput, capUtf8, isValidIdempotencyKey } from './output.ts';

export type TargetConfig = LambdaTargetConfig | SshTargetConfig;
export type TargetSecrets = LambdaTargetSecrets | SshTargetSecrets;

export interface ExecutorOptions extends SshExecutorOptions {
  /** Redacts stdout and stderr before they are returned (default: analysis/redaction's built-in rules). */
  redactor?: Redactor;
}

export function createExecutor(config: LambdaTargetConfig, secrets: LambdaTargetSecrets, options?: ExecutorOptions): CommandExecutor;
export function createExecutor(config: SshTargetConfig, secrets: SshTargetSecrets, options?: ExecutorOptions): CommandExecutor;
export function createExecutor(config: TargetConfig, secrets: TargetSecrets, options?: ExecutorOptions): CommandExecutor;
export function createExecutor(config: TargetConfig, secrets: TargetSecrets, options: ExecutorOptions = {}): CommandExecutor {
  switch (config.kind) {
    case 'lambda':
      return createLambdaExecutor(config, secrets as LambdaTargetSecrets, options);
    case 'ssh':
      return createSshExecutor(config, secrets as SshTargetSecrets, options);
    default: {
      const kind: never = config;
      throw new Error(`unknown target kind ${JSON.stringify((kind as { kind: unknown }).kind)}`);
    }
  }
}
