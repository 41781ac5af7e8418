/**
 * KafkaJS's producer instrumentation events: `producer.on(name, listener)` for
 * producer.connect, producer.disconnect and producer.network.request (plus the two network
 * events the engine has no source for, accepted and never emitted: see below), each event
 * `{ id, type, timestamp, payload }` as KafkaJS's InstrumentationEvent.
 *
 * Owns: the listeners, event ids, and turning the engine's trace events (the Producer's public
 * `trace` option: one event per request and per response on every connection) into
 * producer.network.request payloads: one per answered request, when its response arrives (as
 * KafkaJS emits it), and one per request that gets no response (Produce with acks=0) when it is
 * written. The trace decodes every frame, which costs CPU, so an engine producer is traced only
 * when it is created while a network listener is registered (register before connect()).
 *
 * Not emitted, and why (docs/KAFKAJS.md):
 * - producer.network.request_timeout: the engine's connection times requests out internally
 *   and reports it only as the record's error (KafkaJSRequestTimeoutError); there is no
 *   per-request hook;
 * - producer.network.request_queue_size: the engine never queues requests behind in-flight
 *   ones (records wait in the accumulator as batches instead), so there is no queue to measure.
 * Listener errors are logged, never thrown into the producer (KafkaJS does the same).
 */
import type { ProducerConfig as EngineConfig } from '../../index.js';
import { KafkaJSNonRetriableError } from './errors.js';
import type { InstrumentationEvent, Logger, ProducerEventName, ProducerEvents, RemoveInstrumentationEventListener, RequestEventPayload } from './types.js';

export type TraceListener = NonNullable<EngineConfig['trace']>;
type TraceEvent = Parameters<TraceListener>[0];

export const PRODUCER_EVENTS: ProducerEvents = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
});

const NAMES = new Set<string>(Object.values(PRODUCER_EVENTS));

let nextId = 0;

/** Requests seen and not yet answered, per connection; bounded so lost answers cannot pile up. */
const MAX_PENDING = 10_000;

export class ProducerInstrumentation {
  readonly #listeners = new Map<string, Set<(event: InstrumentationEvent<unknown>) => unknown>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on(eventName: string, listener: (event: InstrumentationEvent<unknown>) => unknown): RemoveInstrumentationEventListener {
    if (!NAMES.has(eventName)) {
      throw new KafkaJSNonRetriableError(`Event name should be one of ${Object.keys(PRODUCER_EVENTS).map((k) => `producer.events.${k}`).join(', ')}`);
    }
    if (typeof listener !== 'function') throw new KafkaJSNonRetriableError('The listener must be a function');
    let set = this.#listeners.get(eventName);
    if (set === undefined) this.#listeners.set(eventName, (set = new Set()));
    const own = (event: InstrumentationEvent<unknown>): unknown => listener(event);
    set.add(own);
    return () => void set.delete(own);
  }

  /** Whether an engine producer created now should be traced (someone listens to producer.network.request). */
  get wantsNetworkEvents(): boolean {
    return (this.#listeners.get(PRODUCER_EVENTS.REQUEST)?.size ?? 0) > 0;
  }

  emit(type: ProducerEventName, payload?: unknown): void {
    const set = this.#listeners.get(type);
    if (set === undefined || set.size === 0) return;
    const event: InstrumentationEvent<unknown> = { id: nextId++, type, timestamp: Date.now(), payload };
    if (nextId >= Number.MAX_SAFE_INTEGER) nextId = 0;
    for (const listener of set) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((e: unknown) => this.#listenerFailed(type, e));
      } catch (e) {
        this.#listenerFailed(type, e);
      }
    }
  }

  #listenerFailed(type: string, e: unknown): void {
    this.#logger.error(`Failed to execute listener: ${(e as Error)?.message ?? String(e)}`, { eventName: type, stack: (e as Error)?.stack });
  }

  /** A trace listener for one engine producer (each has its own connections and correlation ids). */
  traceListener(): TraceListener {
    /** `${nodeId}/${correlationId}` -> the request's trace event, until its response. */
    const pending = new Map<string, TraceEvent>();
    return (event) => {
      const key = `${event.nodeId}/${event.correlationId}`;
      if (event.type === 'request') {
        if (event.expectResponse === false) {
          this.emit(PRODUCER_EVENTS.REQUEST, requestPayload(event, event, 0));
          return;
        }
        if (pending.size >= MAX_PENDING) pending.clear();
        pending.set(key, event);
        return;
      }
      const request = pending.get(key);
      if (request === undefined) return;
      pending.delete(key);
      this.emit(PRODUCER_EVENTS.REQUEST, requestPayload(request, event, event.elapsedMs ?? event.timeMs - request.timeMs));
    };
  }
}

/** `node 1 (127.0.0.1:9092)` -> `127.0.0.1:9092` (KafkaJS names brokers host:port). */
function hostPort(broker: string): string {
  const m = /\(([^()]*)\)\s*$/.exec(broker);
  return m ? m[1]! : broker;
}

function requestPayload(request: TraceEvent, answer: TraceEvent, duration: number): RequestEventPayload {
  return {
    apiKey: request.apiKey,
    apiName: request.api,
    apiVersion: request.apiVersion,
    broker: hostPort(request.broker),
    clientId: request.clientId ?? '',
    correlationId: request.correlationId,
    createdAt: request.timeMs,
    sentAt: request.timeMs,
    pendingDuration: 0,
    duration,
    size: answer.bytes,
  };
}
