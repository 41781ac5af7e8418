/**
 * The frames a connection hands to a tap (src/network/connection.ts calls it; tracing,
 * src/observability/trace.ts, consumes it). A plain type in common/ because both sides need it
 * and observability may not import the network layer (the network layer logs through it).
 */

/**
 * What a frame tap sees (tracing: src/observability/trace.ts turns these into events): one call
 * per request written and one per response read, synchronously, on the connection's own path.
 * The bytes are valid only during the call (they belong to the request's owner or to the receive
 * buffer): a tap that keeps them copies them.
 */
export interface FrameTapEvent {
  readonly direction: 'request' | 'response';
  readonly nodeId: number;
  /** As in error messages: `node 1 (host:port)`. */
  readonly broker: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /**
   * request: the frame's buffer (size prefix included, correlation id patched), followed on the
   * wire by `chunks`; response: the frame after its size prefix (response header + body).
   */
  readonly frame: Uint8Array;
  readonly chunks?: readonly Uint8Array[] | undefined;
  /** false for a request the broker never answers (Produce with acks=0). */
  readonly expectResponse: boolean;
  /** Clock time of this frame. */
  readonly atMs: number;
  /** Clock time the request was written (for a request, atMs). */
  readonly requestAtMs: number;
}

/** Sees every frame of a connection (see FrameTapEvent). A tap that throws is ignored. */
export type FrameTap = (event: FrameTapEvent) => void;
