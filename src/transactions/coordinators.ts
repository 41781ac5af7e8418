/**
 * Coordinator lookup: which broker coordinates the transactional id (the transaction coordinator)
 * and which coordinates a consumer group (the group coordinator, for TxnOffsetCommit), as Java's
 * TransactionManager keeps transactionCoordinator / consumerGroupCoordinator.
 *
 * Owns: the cached coordinator of each (type, key), the FindCoordinator request body for a
 * version (v4+ batches keys, KIP-699; kafka-wire asks for one key at a time, as Java's
 * TransactionManager does) and the reading of its answer in either layout. Does not own: sending
 * (the Sender does) or when to look up (TxnManager: before the first request that needs a
 * coordinator, and again after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a lost connection).
 */

/** FindCoordinator key_type: 0 = group, 1 = transaction. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType];

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** FindCoordinator v4 batches keys (KIP-699). */
export const FIND_COORDINATOR_BATCHED_VERSION = 4;

/**
 * The request body for `version`, with only the fields that version has (Kafka's
 * FindCoordinatorRequest.json: key v0-3, keyType v1+, coordinatorKeys v4+). v0 knows only group
 * coordinators.
 */
export function findCoordinatorRequest(type: CoordinatorType, key: string, version: number): Record<string, unknown> {
  if (version >= FIND_COORDINATOR_BATCHED_VERSION) return { keyType: type, coordinatorKeys: [key] };
  if (version >= 1) return { key, keyType: type };
  return { key };
}

/** What a FindCoordinator answer says about one key, whichever layout it came in. */
export interface CoordinatorAnswer {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly node: CoordinatorNode | null;
}

/** The structural subset of FindCoordinatorResponse that kafka-wire reads. */
export interface FindCoordinatorResponseView {
  readonly errorCode?: number;
  readonly errorMessage?: string | null;
  readonly nodeId?: number;
  readonly host?: string;
  readonly port?: number;
  readonly coordinators?: readonly {
    readonly key: string;
    readonly nodeId: number;
    readonly host: string;
    readonly port: number;
    readonly errorCode: number;
    readonly errorMessage?: string | null;
  }[];
}

/**
 * Reads the answer for `key`: v0-3 carry one coordinator at the top level, v4+ a list with one
 * entry per key asked. An answer without our key is malformed (null).
 */
export function readCoordinatorAnswer(body: FindCoordinatorResponseView, key: string, version: number): CoordinatorAnswer | null {
  if (version >= FIND_COORDINATOR_BATCHED_VERSION) {
    const list = body.coordinators ?? [];
    const c = list.length === 1 ? list[0]! : list.find((x) => x.key === key);
    if (c === undefined) return null;
    return { errorCode: c.errorCode, errorMessage: c.errorMessage ?? null, node: c.errorCode === 0 ? { nodeId: c.nodeId, host: c.host, port: c.port } : null };
  }
  const errorCode = body.errorCode ?? 0;
  if (errorCode !== 0) return { errorCode, errorMessage: body.errorMessage ?? null, node: null };
  if (body.nodeId === undefined || body.host === undefined || body.port === undefined) return null;
  return { errorCode: 0, errorMessage: null, node: { nodeId: body.nodeId, host: body.host, port: body.port } };
}

/** The coordinators found so far, per (type, key). */
export class CoordinatorCache {
  private readonly nodes = new Map<string, CoordinatorNode>();

  private static id(type: CoordinatorType, key: string): string {
    return `${type}\u0000${key}`;
  }

  get(type: CoordinatorType, key: string): CoordinatorNode | undefined {
    return this.nodes.get(CoordinatorCache.id(type, key));
  }

  set(type: CoordinatorType, key: string, node: CoordinatorNode): void {
    this.nodes.set(CoordinatorCache.id(type, key), node);
  }

  /** Forget a coordinator (it moved, or its connection failed): the next request looks it up. */
  invalidate(type: CoordinatorType, key: string): void {
    this.nodes.delete(CoordinatorCache.id(type, key));
  }
}
