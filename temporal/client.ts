// The typed Temporal client the API uses: connects, starts and inspects workflows, and reports worker presence.
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
}

export interface TemporalClient {
  client: Client;
  connection: Connection;
  namespace: string;
  close(): Promise<void>;
}

export async function connectTemporal(options: TemporalClientOptions): Promise<TemporalClient> {
  const connection = await Connection.connect({ address: options.address, connectTimeout: '5 seconds' });
  const client = new Client({ connection, namespace: options.namespace });
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
