/**
 * The namespace and the lifecycle's search attributes on the cluster (src/shared/search-attributes.ts):
 * what docker-compose's `temporal-search-attributes` init container does with the CLI, done over
 * gRPC so it needs nothing but the server. Idempotent: what exists is kept.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const INDEXED_TYPE = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

/** gRPC ALREADY_EXISTS (the spec's code; @grpc/grpc-js is not a direct dependency). */
const ALREADY_EXISTS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function prepareNamespace(
  address: string,
  namespace: string,
  retentionDays = 3,
  timeoutMs = 60_000,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        description: 'model-version-lifecycle (npm run cluster)',
      });
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = LIFECYCLE_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]])),
      });
    }
    // The services learn of a new namespace from their namespace cache (refreshed every 10 s): ready
    // once a visibility query through it, with our attributes, is answered.
    const probe = LIFECYCLE_SEARCH_ATTRIBUTES.map((k) => `${k.name} IS NULL`).join(' AND ');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace, query: probe });
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `namespace ${namespace} not usable after ${timeoutMs} ms: ${(err as Error).message}`,
          );
        }
        await sleep(500);
      }
    }
  } finally {
    await connection.close();
  }
}
