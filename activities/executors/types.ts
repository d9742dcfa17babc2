// The contract between an automation run and where its commands execute (the team's Lambda function or an SSH host):
// what the run activities call, whichever target kind it is. Implementations: lambda.ts, ssh.ts.

/** One step's command, sent at most once per idempotency key whatever the retries and worker crashes. */
export interface ExecutionRequest {
  command: string;
  /** `<run id>.<step index>`: letters, digits, `.`, `_`, `-` only (it becomes a file or table key on the target). */
  idempotencyKey: string;
  timeoutSeconds: number;
  /** stdout and stderr are each cut to this many bytes (UTF-8), on the target where it can, and again here. */
  maxOutputBytes: number;
  /**
   * Output so far while the command runs (already redacted and capped), for executors that can see it (SSH, about
   * every second); the whole output is still in the result. A failing callback never fails the run.
   */
  onOutput?: (partial: { stdout: string; stderr: string }) => void | Promise<void>;
}

export interface ExecutionResult {
  stdout: string;
  stderr: string;
  /** Null when the command did not finish (timeout, killed, a function error before it ran). */
  exitCode: number | null;
  /** stdout or stderr was cut at maxOutputBytes. */
  truncated: boolean;
  /** The target had already run this key: the stored result of that run, not a second execution. */
  alreadyRan: boolean;
  durationMs: number;
  /** The target itself failed (Lambda `X-Amz-Function-Error`, SSH connection lost mid-command): what it said. */
  targetError?: string;
}

export interface VerifyResult {
  /** Who the target says we are (the Lambda function's ARN; `user@host` with the host key's SHA256 fingerprint). */
  identity: string;
  details: Record<string, string>;
}

/** A target's failures, by kind: auth and invalid never get better by retrying; unavailable may. */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
  readonly kind: 'auth' | 'invalid' | 'unavailable' | 'host_key_mismatch';
  constructor(kind: ExecutorError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface CommandExecutor {
  /** A read-only call proving the configuration and credentials work (run on save, and on demand). */
  verify(): Promise<VerifyResult>;
  run(request: ExecutionRequest): Promise<ExecutionResult>;
  close(): Promise<void>;
}

export interface LambdaTargetConfig {
  kind: 'lambda';
  region: string;
  functionName: string;
  /** Assume this role first (with the external id), else use the access keys (or the worker's own AWS credentials). */
  roleArn?: string;
  externalId?: string;
  /** For the local Lambda server in tests and for VPC endpoints. */
  endpoint?: string;
}

export interface LambdaTargetSecrets {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface SshTargetConfig {
  kind: 'ssh';
  host: string;
  port: number;
  username: string;
  /** Pinned: `SHA256:<base64>` as `ssh-keygen -lf` prints it; a different host key is refused, never accepted. */
  hostKeyFingerprint: string;
}

export interface SshTargetSecrets {
  /** OpenSSH or PEM private key. */
  privateKey: string;
  passphrase?: string;
}
