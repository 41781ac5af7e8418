/**
 * KafkaJS's Producer (what `kafka.producer(config)` returns): connect, disconnect, send,
 * sendBatch, transaction, on / events, isIdempotent, logger — over the engine's Producer.
 *
 * Owns: the KafkaJS connection status (disconnected -> connected -> disconnecting ->
 * disconnected; sends outside `connected` fail as KafkaJS's do), the checks KafkaJS makes per
 * call, which engine producer a call goes to (engines.ts), running a custom or legacy
 * partitioner, and the one open transaction. No engine logic lives here: batching, retries,
 * idempotence and transactions are the engine's.
 *
 * connect() resolves `brokers` (a list, or KafkaJS's async function), checks the configuration
 * by creating the engine producer for default sends, and emits producer.connect. It does not
 * wait for a broker: the engine connects in the background, so an unreachable cluster or wrong
 * credentials reject the first send (with KafkaJSSASLAuthenticationError, KafkaJSConnectionError
 * or KafkaJSNumberOfRetriesExceeded) rather than connect(). The engine has no public call that
 * waits for the cluster; see docs/KAFKAJS.md.
 *
 * Partitioners: Partitioners.DefaultPartitioner (also when none is given) is the engine's own
 * partitioner (murmur2 for keys, as KafkaJS's; sticky batches for keyless records). Any other
 * createPartitioner (LegacyPartitioner, a program's own) is called per message with KafkaJS's
 * arguments: the topic's partitions come from the engine's metadata (partitionsFor, which waits
 * for it like a send does), and the message goes to the partition it returns.
 */
import type { Producer as EngineProducer } from '../../index.js';
import { EngineSet } from './engines.js';
import { KafkaJSError, KafkaJSNonRetriableError, toKafkaJSError } from './errors.js';
import { PRODUCER_EVENTS, ProducerInstrumentation } from './instrumentation.js';
import { checkedTopicMessages, sendAll, type PartitionChoices } from './messages.js';
import { baseProperties, compressionName, sendSettings, transactionalProperties, type Mapped } from './options.js';
import { DefaultPartitioner, checkedPartition, partitionMetadataOf } from './partitioners.js';
import type {
  BrokersFunction,
  InstrumentationEvent,
  KafkaConfig,
  Logger,
  Message,
  Offsets,
  PartitionerArgs,
  ProducerBatch,
  ProducerConfig,
  ProducerEvents,
  ProducerRecord,
  RecordMetadata,
  RemoveInstrumentationEventListener,
  TopicMessages,
  Transaction,
} from './types.js';

type Status = 'disconnected' | 'connected' | 'disconnecting';

async function resolveBrokers(brokers: string[] | BrokersFunction): Promise<string[]> {
  const list = typeof brokers === 'function' ? await brokers() : brokers;
  if (!Array.isArray(list) || list.length === 0 || list.some((b) => typeof b !== 'string' || b === '')) {
    throw new KafkaJSNonRetriableError('Failed to connect: expected brokers array and got nothing');
  }
  return list;
}

export class Producer {
  /** KafkaJS's `producer.events`: the names on() accepts. */
  readonly events: ProducerEvents = PRODUCER_EVENTS;
  readonly #client: KafkaConfig;
  readonly #config: ProducerConfig;
  readonly #mapped: Mapped;
  readonly #logger: Logger;
  readonly #instrumentation: ProducerInstrumentation;
  /** null: the engine's partitioner (DefaultPartitioner); else called per message. */
  readonly #partitioner: ((args: PartitionerArgs) => number) | null;
  #status: Status = 'disconnected';
  #engines: EngineSet | null = null;
  #connecting: Promise<EngineSet> | null = null;
  #transaction: OpenTransaction | null = null;
  #warnedCompression = new Set<string>();

  /** Use `kafka.producer(config)`. */
  constructor(client: KafkaConfig, config: ProducerConfig, logger: Logger) {
    this.#client = client;
    this.#config = config;
    this.#logger = logger.namespace('Producer');
    this.#instrumentation = new ProducerInstrumentation(this.#logger);
    this.#mapped = baseProperties(client, config);
    for (const w of this.#mapped.warnings) this.#logger.warn(w);
    const create = config.createPartitioner ?? DefaultPartitioner;
    if (typeof create !== 'function') throw new KafkaJSNonRetriableError('createPartitioner must be a function returning a partitioner');
    this.#partitioner = create === DefaultPartitioner ? null : create();
    if (this.#partitioner !== null && typeof this.#partitioner !== 'function') throw new KafkaJSNonRetriableError('createPartitioner() must return a function ({ topic, partitionMetadata, message }) => partition');
  }

  // --- lifecycle ----------------------------------------------------------------------------

  readonly connect = async (): Promise<void> => {
    if (this.#status === 'disconnecting') throw new KafkaJSNonRetriableError('The producer is disconnecting; connect again once disconnect() has resolved');
    this.#connecting ??= this.#start().finally(() => (this.#connecting = null));
    await this.#connecting;
    this.#status = 'connected';
    this.#instrumentation.emit(PRODUCER_EVENTS.CONNECT);
  };

  async #start(): Promise<EngineSet> {
    if (this.#engines !== null) return this.#engines;
    const brokers = await resolveBrokers(this.#client.brokers);
    const engines = new EngineSet({
      properties: { ...this.#mapped.properties, 'bootstrap.servers': brokers },
      logger: this.#logger,
      trace: () => (this.#instrumentation.wantsNetworkEvents ? this.#instrumentation.traceListener() : undefined),
    });
    // Creating the default sends' engine checks the configuration now and starts bootstrapping.
    engines.forSend(sendSettings(this.#mapped.properties, undefined, undefined, undefined));
    this.#engines = engines;
    return engines;
  }

  readonly disconnect = async (): Promise<void> => {
    this.#status = 'disconnecting';
    const engines = this.#engines;
    this.#engines = null;
    this.#transaction?.end();
    this.#transaction = null;
    try {
      await engines?.close();
    } finally {
      this.#status = 'disconnected';
      this.#instrumentation.emit(PRODUCER_EVENTS.DISCONNECT);
    }
  };

  readonly isIdempotent = (): boolean => this.#config.idempotent === true;

  readonly logger = (): Logger => this.#logger;

  readonly on = (eventName: string, listener: (event: InstrumentationEvent<unknown>) => unknown): RemoveInstrumentationEventListener =>
    this.#instrumentation.on(eventName, listener);

  // --- sending --------------------------------------------------------------------------------

  readonly send = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
    if (record === null || typeof record !== 'object') throw new KafkaJSNonRetriableError('send() needs { topic, messages }');
    const { acks, timeout, compression, topic, messages } = record;
    return this.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] } as ProducerBatch);
  };

  readonly sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    if (batch === null || typeof batch !== 'object') throw new KafkaJSNonRetriableError('sendBatch() needs { topicMessages }');
    const topicMessages = checkedTopicMessages(batch.topicMessages);
    const settings = sendSettings(this.#mapped.properties, batch.acks, batch.compression, batch.timeout);
    if (this.#config.idempotent === true && settings.acks !== -1) {
      throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    }
    const engines = this.#connected();
    return this.produce(engines.forSend(settings), topicMessages, settings.acks);
  };

  #connected(): EngineSet {
    if (this.#status === 'disconnecting') throw new KafkaJSNonRetriableError("The producer is disconnecting; therefore, it can't safely accept messages anymore");
    if (this.#status !== 'connected' || this.#engines === null) throw new KafkaJSError('The producer is disconnected');
    return this.#engines;
  }

  /** Runs the partitioner (when it is not the engine's), then sends. Used by transactions too. */
  async produce(engine: EngineProducer, topicMessages: readonly TopicMessages[], acks: number): Promise<RecordMetadata[]> {
    const choices = new Map<string, number[]>();
    const partitioner = this.#partitioner;
    if (partitioner !== null) {
      for (const { topic, messages } of topicMessages) {
        let partitions;
        try {
          partitions = await engine.partitionsFor(topic);
        } catch (e) {
          throw toKafkaJSError(e);
        }
        const partitionMetadata = partitionMetadataOf(partitions);
        choices.set(
          topic,
          messages.map((message: Message) => checkedPartition(partitioner({ topic, partitionMetadata, message }), topic, message)),
        );
      }
    }
    return sendAll(engine, topicMessages, choices as PartitionChoices, acks);
  }

  // --- transactions ---------------------------------------------------------------------------

  readonly transaction = async (): Promise<Transaction> => {
    if (!this.#config.transactionalId) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer');
    const engines = this.#connected();
    if (this.#transaction?.isActive()) {
      throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.');
    }
    const engine = await engines.transactional(transactionalProperties(this.#config));
    try {
      engine.beginTransaction();
    } catch (e) {
      throw toKafkaJSError(e);
    }
    const open = new OpenTransaction(this, engine, engines.transactionalCompression);
    this.#transaction = open;
    return open.api;
  };

  /** A transaction's send: KafkaJS's checks, then the transactional engine. */
  async sendInTransaction(engine: EngineProducer, batch: ProducerBatch, engineCompression: string): Promise<RecordMetadata[]> {
    if (batch === null || typeof batch !== 'object') throw new KafkaJSNonRetriableError('send() needs { topic, messages }');
    const topicMessages = checkedTopicMessages(batch.topicMessages);
    if ((batch.acks ?? -1) !== -1) throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
    if (batch.compression !== undefined && batch.compression !== null) {
      const wanted = compressionName(batch.compression);
      if (wanted !== engineCompression && !this.#warnedCompression.has(wanted)) {
        this.#warnedCompression.add(wanted);
        this.#logger.warn(
          `compression ${wanted} of a transaction's send is not applied: a transaction's records are compressed with compression.type=${engineCompression} (set it in producer({ properties }))`,
        );
      }
    }
    this.#connected();
    return this.produce(engine, topicMessages, -1);
  }
}

/** One transaction from producer.transaction() until it is committed or aborted. */
class OpenTransaction {
  #ended = false;
  readonly api: Transaction;

  constructor(producer: Producer, engine: EngineProducer, engineCompression: string) {
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (this.#ended) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended');
        return fn(...args);
      };
    const engineCall = async <R>(call: () => Promise<R>): Promise<R> => {
      try {
        return await call();
      } catch (e) {
        throw toKafkaJSError(e);
      }
    };
    this.api = {
      send: guard(async (record: ProducerRecord) => {
        if (record === null || typeof record !== 'object') throw new KafkaJSNonRetriableError('send() needs { topic, messages }');
        const { acks, timeout, compression, topic, messages } = record;
        return producer.sendInTransaction(engine, { acks, timeout, compression, topicMessages: [{ topic, messages }] } as ProducerBatch, engineCompression);
      }),
      sendBatch: guard(async (batch: ProducerBatch) => producer.sendInTransaction(engine, batch, engineCompression)),
      sendOffsets: guard(async ({ consumerGroupId, topics }: Offsets & { consumerGroupId: string }) => {
        if (typeof consumerGroupId !== 'string' || consumerGroupId === '') throw new KafkaJSNonRetriableError('sendOffsets needs a consumerGroupId');
        if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('sendOffsets needs topics: [{ topic, partitions: [{ partition, offset }] }]');
        const offsets = topics.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset) })));
        await engineCall(() => engine.sendOffsetsToTransaction(offsets, { groupId: consumerGroupId }));
      }),
      commit: guard(async () => {
        await engineCall(() => engine.commitTransaction());
        this.#ended = true;
      }),
      abort: guard(async () => {
        await engineCall(() => engine.abortTransaction());
        this.#ended = true;
      }),
      isActive: () => this.isActive(),
    };
  }

  isActive(): boolean {
    return !this.#ended;
  }

  /** The producer disconnected: the engine aborts what was open. */
  end(): void {
    this.#ended = true;
  }
}
