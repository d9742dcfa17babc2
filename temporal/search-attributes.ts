// Registers the namespace and the custom search attributes on start, so `temporal workflow list --query` works.
import type { NativeConnection } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes.ts';

type AnyConnection = Pick<Connection | NativeConnection, 'workflowService' | 'operatorService'>;

const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? Number((err as { code: unknown }).code) : undefined;
}

/** Creates the namespace if it does not exist (a dev server has only `default`). */
export async function ensureNamespace(connection: AnyConnection, namespace: string): Promise<'exists' | 'created'> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return 'exists';
  } catch (err) {
    if (grpcCode(err) !== NOT_FOUND) throw err;
  }
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('7 days'),
    });
  } catch (err) {
    if (grpcCode(err) !== ALREADY_EXISTS) throw err;
  }
  // A new namespace is describable at once, but other services learn of it only when the server refreshes its
  // namespace cache (about 10 s on a dev server): wait until the operator service knows it too.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return 'created';
    } catch (err) {
      if (grpcCode(err) !== NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Adds AccountId, IntegrationId and Kind (keyword) where missing; returns the names it added. */
export async function ensureSearchAttributes(connection: AnyConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !(key.name in custom));
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of missing) searchAttributes[key.name] = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if (grpcCode(err) !== ALREADY_EXISTS) throw err;
  }
  return missing.map((key) => key.name);
}
