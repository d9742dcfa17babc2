// Runs a step's command through the team's Lambda function (deploy/lambda/handler.mjs) with `@aws-sdk/client-lambda`,
// optionally as a role assumed with an external id; verify is GetFunction, which reads and changes nothing.
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Redactor } from '../../analysis/redaction.ts';
import { finishOutput, isValidIdempotencyKey } from './output.ts';
import { ExecutorError, type CommandExecutor, type ExecutionRequest, type ExecutionResult, type LambdaTargetConfig, type LambdaTargetSecrets, type VerifyResult } from './types.ts';

const SESSION_NAME = 'incident-insights-automation';

interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

interface AwsServiceError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

const AUTH_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'RegionDisabledException',
]);
const INVALID_ERRORS = new Set([
  'ResourceNotFoundException',
  'InvalidParameterValueException',
  'InvalidRequestContentException',
  'RequestTooLargeException',
  'UnsupportedMediaTypeException',
  'ValidationError',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
]);
const UNAVAILABLE_ERRORS = new Set(['TooManyRequestsException', 'Throttling', 'ThrottlingException', 'ServiceException', 'ResourceNotReadyException', 'EC2ThrottledException', 'ENILimitReachedException']);

/** AWS's error names and statuses in the executor's vocabulary: auth and invalid are final, unavailable may pass. */
export function toExecutorError(error: unknown, action: string): ExecutorError {
  if (error instanceof ExecutorError) return error;
  const e = (error ?? {}) as AwsServiceError;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${action}: ${name}${e.message ? `: ${e.message}` : ''}`;
  if (AUTH_ERRORS.has(name) || status === 401 || status === 403) return new ExecutorError('auth', message);
  if (INVALID_ERRORS.has(name) || status === 404) return new ExecutorError('invalid', message);
  if (UNAVAILABLE_ERRORS.has(name) || status === 429 || (status !== undefined && status >= 500) || e.$fault === 'server') return new ExecutorError('unavailable', message);
  if (status !== undefined && status >= 400) return new ExecutorError('invalid', message);
  // No status: the endpoint was not reached (DNS, refused connection, timeout).
  return new ExecutorError('unavailable', message);
}

export function createLambdaExecutor(config: LambdaTargetConfig, secrets: LambdaTargetSecrets, options: { redactor?: Redactor } = {}): CommandExecutor {
  const baseCredentials: AwsCredentialIdentity | undefined =
    secrets.accessKeyId && secrets.secretAccessKey
      ? { accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey, ...(secrets.sessionToken ? { sessionToken: secrets.sessionToken } : {}) }
      : undefined; // the worker's own AWS credentials (environment, instance role)
  // Retries belong to the activity's policy (bounded for Lambda), not to a second, hidden layer here.
  const clientConfig = { region: config.region, maxAttempts: 1, ...(config.endpoint ? { endpoint: config.endpoint } : {}) };

  let sts: STSClient | undefined;
  let assumed: AwsCredentialIdentity | undefined;
  const roleCredentials = async (): Promise<AwsCredentialIdentity> => {
    if (assumed?.expiration && assumed.expiration.getTime() - Date.now() > 5 * 60_000) return assumed;
    sts ??= new STSClient({ ...clientConfig, ...(baseCredentials ? { credentials: baseCredentials } : {}) });
    try {
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: config.roleArn, RoleSessionName: SESSION_NAME, ...(config.externalId ? { ExternalId: config.externalId } : {}), DurationSeconds: 3600 }),
      );
      if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new ExecutorError('auth', 'sts:AssumeRole returned no credentials');
      assumed = { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken, expiration: Credentials.Expiration };
      return assumed;
    } catch (error) {
      throw toExecutorError(error, `sts:AssumeRole ${config.roleArn}`);
    }
  };
  const credentials = config.roleArn ? roleCredentials : baseCredentials;
  const lambda = new LambdaClient({ ...clientConfig, ...(credentials ? { credentials } : {}) });

  return {
    async verify(): Promise<VerifyResult> {
      try {
        const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: config.functionName }));
        const details: Record<string, string> = {};
        for (const [key, value] of Object.entries({
          runtime: Configuration?.Runtime,
          state: Configuration?.State,
          lastModified: Configuration?.LastModified,
          version: Configuration?.Version,
          region: config.region,
          ...(config.roleArn ? { roleArn: config.roleArn } : {}),
        }))
          if (value) details[key] = String(value);
        return { identity: Configuration?.FunctionArn ?? config.functionName, details };
      } catch (error) {
        throw toExecutorError(error, `lambda:GetFunction ${config.functionName}`);
      }
    },

    async run(request: ExecutionRequest): Promise<ExecutionResult> {
      if (!isValidIdempotencyKey(request.idempotencyKey)) throw new ExecutorError('invalid', `idempotency key ${JSON.stringify(request.idempotencyKey)} must match [A-Za-z0-9._-]`);
      const started = Date.now();
      const payload = { command: request.command, idempotencyKey: request.idempotencyKey, timeoutSeconds: request.timeoutSeconds, maxOutputBytes: request.maxOutputBytes };
      let response;
      try {
        response = await lambda.send(
          new InvokeCommand({ FunctionName: config.functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
        );
      } catch (error) {
        throw toExecutorError(error, `lambda:InvokeFunction ${config.functionName}`);
      }
      const durationMs = Date.now() - started;
      const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      if (response.FunctionError) {
        const err = (body ?? {}) as { errorType?: string; errorMessage?: string };
        const said = typeof body === 'object' && body !== null ? `${err.errorType ?? response.FunctionError}: ${err.errorMessage ?? ''}` : `${response.FunctionError}: ${text}`;
        const finished = finishOutput({ stdout: '', stderr: said }, request.maxOutputBytes, options.redactor);
        return { stdout: '', stderr: '', exitCode: null, truncated: false, alreadyRan: false, durationMs, targetError: finished.stderr };
      }
      const result = (body ?? {}) as Partial<{ stdout: unknown; stderr: unknown; exitCode: unknown; truncated: unknown; alreadyRan: unknown }>;
      if (typeof body !== 'object' || body === null || typeof result.stdout !== 'string' || typeof result.stderr !== 'string')
        throw new ExecutorError('invalid', `lambda function ${config.functionName} returned ${JSON.stringify(text.slice(0, 200))}, not { stdout, stderr, exitCode }: is it the reference function?`);
      const output = finishOutput({ stdout: result.stdout, stderr: result.stderr, alreadyTruncated: result.truncated === true }, request.maxOutputBytes, options.redactor);
      return {
        ...output,
        exitCode: typeof result.exitCode === 'number' ? result.exitCode : null,
        alreadyRan: result.alreadyRan === true,
        durationMs,
      };
    },

    async close() {
      lambda.destroy();
      sts?.destroy();
    },
  };
}
