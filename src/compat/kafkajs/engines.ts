/**
 * The engine producers one KafkaJS producer runs on.
 *
 * KafkaJS chooses acks, compression and the broker's wait (timeout) per send call; the engine,
 * as Java's producer, fixes them per producer (acks and compression.type shape every batch of
 * every partition, and batches mix records of many calls). So a KafkaJS producer keeps one
 * engine Producer per distinct (acks, compression, timeout) its sends use, created at the first
 * send that needs it (the default combination at connect()), all sharing the same properties,
 * and all closed by disconnect(). A program that never varies them, the usual case, runs on one
 * engine; each further combination costs its own connections and producer id. Records of
 * different combinations are not ordered with respect to each other, as they would not be
 * between two KafkaJS producers.
 *
 * The producer that runs transactions is a separate engine with transactional.id (acks=all,
 * the shared compression.type), created by the first transaction(); it is one per KafkaJS
 * producer, because two with the same transactional.id would fence each other. Sends outside a
 * transaction never use it, as in KafkaJS, where only the transaction's send is transactional.
 *
 * Owns: creating (with the shared logger and, when network events are wanted, a trace), finding
 * and closing them; whether initTransactions() has completed for the transactional one.
 */
import { Producer as EngineProducer, type ProducerConfig as EngineConfig } from '../../index.js';
import { KafkaJSError, toKafkaJSError } from './errors.js';
import type { TraceListener } from './instrumentation.js';
import { engineLogger } from './logger.js';
import { engineProperties, type Properties, type SendSettings } from './options.js';
import type { Logger } from './types.js';

export interface EngineSetOptions {
  /** The shared properties, bootstrap.servers included. */
  readonly properties: Properties;
  readonly logger: Logger;
  /** A trace listener for a new engine, or undefined when nobody listens to network events. */
  readonly trace: () => TraceListener | undefined;
}

export class EngineSet {
  readonly #options: EngineSetOptions;
  readonly #bySettings = new Map<string, EngineProducer>();
  #transactional: EngineProducer | null = null;
  #initialized: Promise<void> | null = null;
  #closed = false;

  constructor(options: EngineSetOptions) {
    this.#options = options;
  }

  /** The engine for sends with `settings`, created on first use. Throws the KafkaJS form of a ConfigError. */
  forSend(settings: SendSettings): EngineProducer {
    const key = `${settings.acks}|${settings.compression}|${settings.timeoutMs}`;
    let engine = this.#bySettings.get(key);
    if (engine === undefined) {
      engine = this.#create(engineProperties(this.#options.properties, settings));
      this.#bySettings.set(key, engine);
    }
    return engine;
  }

  /** The transactional engine (created on first use), once initTransactions() has completed. */
  async transactional(extra: Properties): Promise<EngineProducer> {
    if (this.#transactional === null) {
      const props: Properties = { ...this.#options.properties, ...extra, acks: 'all' };
      // KafkaJS runs transactions whatever `idempotent` says; transactional.id implies idempotence.
      if (props['enable.idempotence'] === false) delete props['enable.idempotence'];
      this.#transactional = this.#create(props);
    }
    const engine = this.#transactional;
    this.#initialized ??= engine.initTransactions().catch((e: unknown) => {
      this.#initialized = null; // initTransactions() may be repeated after a failure or timeout
      throw toKafkaJSError(e);
    });
    await this.#initialized;
    return engine;
  }

  /** compression.type of the transactional engine (the shared one, else none). */
  get transactionalCompression(): string {
    const c = this.#options.properties['compression.type'];
    return typeof c === 'string' ? c : 'none';
  }

  #create(properties: Properties): EngineProducer {
    if (this.#closed) throw new KafkaJSError('The producer is disconnected');
    const trace = this.#options.trace();
    const config = { ...properties, logger: engineLogger(this.#options.logger), ...(trace ? { trace } : {}) } as EngineConfig;
    try {
      return new EngineProducer(config);
    } catch (e) {
      throw toKafkaJSError(e);
    }
  }

  /** Closes every engine: each delivers what it holds first (an open transaction is aborted). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#bySettings.values(), ...(this.#transactional ? [this.#transactional] : [])];
    this.#bySettings.clear();
    this.#transactional = null;
    this.#initialized = null;
    const results = await Promise.allSettled(all.map((e) => e.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw toKafkaJSError(failed.reason);
  }
}
