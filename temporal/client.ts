// The typed Temporal client the API uses: connects, starts and inspects workflows, and reports worker presence.
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import proto from '@temporalio/proto';
import type { Config } from '../config.ts';

export interface TemporalClientOptions extends TemporalSecurity {
  address: string;
  namespace: string;
  /** Starting, signalling or updating a workflow carries the current trace (OpenTelemetry on in this process). */
  tracing?: boolean;
}

/** How a connection authenticates: TLS (mTLS with a client certificate) and/or Temporal Cloud's API key. */
export interface TemporalSecurity {
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** The API's client and the worker's NativeConnection connect alike: certificate files are read at connect time. */
export function temporalSecurity(temporal: Pick<Config['temporal'], 'tls' | 'apiKey'>): TemporalSecurity {
  const security: TemporalSecurity = {};
  if (temporal.apiKey) security.apiKey = temporal.apiKey;
  if (temporal.tls) {
    const { certPath, keyPath, caPath, serverName } = temporal.tls;
    const tls: TLSConfig = {};
    if (certPath && keyPath) tls.clientCertPair = { crt: readFileSync(certPath), key: readFileSync(keyPath) };
    if (caPath) tls.serverRootCACertificate = readFileSync(caPath);
    if (serverName) tls.serverNameOverride = serverName;
    security.tls = Object.keys(tls).length ? tls : true;
  }
  return security;
}

export interface TemporalClient {
  client: Client;
  connection: Connection;
  namespace: string;
  close(): Promise<void>;
}

export async function connectTemporal(options: TemporalClientOptions): Promise<TemporalClient> {
  const connection = await Connection.connect({
    address: options.address,
    connectTimeout: '5 seconds',
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const client = new Client({
    connection,
    namespace: options.namespace,
    ...(options.tracing ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } } : {}),
  });
  return { client, connection, namespace: options.namespace, close: () => connection.close() };
}

/** Asks the server whether it serves requests; resolves with its version. */
export async function pingTemporal(tc: TemporalClient): Promise<string> {
  const info = await tc.connection.workflowService.getSystemInfo({});
  return info.serverVersion ?? 'unknown';
}

export interface PollerInfo {
  identity: string;
  lastAccessTime: Date | undefined;
}

/** Workers polling a task queue recently (the server forgets a poller about a minute after its last poll). */
export async function listWorkflowPollers(tc: TemporalClient, taskQueue: string): Promise<PollerInfo[]> {
  const response = await tc.connection.workflowService.describeTaskQueue({
    namespace: tc.namespace,
    taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (response.pollers ?? []).map((p) => ({
    identity: p.identity ?? 'unknown',
    lastAccessTime: p.lastAccessTime?.seconds != null ? new Date(Number(p.lastAccessTime.seconds) * 1000) : undefined,
  }));
}
