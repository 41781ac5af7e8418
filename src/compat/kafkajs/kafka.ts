/**
 * KafkaJS's client object, `new Kafka({ clientId, brokers, ssl, sasl, ... })`: it holds the
 * client options and the logger, and makes producers. kafka-wire is a producer engine, so
 * consumer() and admin() throw KafkaJSNotImplemented naming what to use instead.
 *
 * Owns: the client options (mapped per producer, options.ts) and the root logger.
 */
import { KafkaJSNonRetriableError, KafkaJSNotImplemented } from './errors.js';
import { createLogger, logLevel as LEVELS } from './logger.js';
import { Producer } from './producer.js';
import type { KafkaConfig, Logger, ProducerConfig } from './types.js';

export class Kafka {
  readonly #config: KafkaConfig;
  readonly #logger: Logger;

  constructor(config: KafkaConfig) {
    if (config === null || typeof config !== 'object') throw new KafkaJSNonRetriableError('new Kafka() needs a configuration object with brokers');
    if (config.brokers === undefined || config.brokers === null) throw new KafkaJSNonRetriableError('Failed to connect: expected brokers array and got nothing');
    this.#config = { ...config };
    this.#logger = createLogger(config.logLevel ?? LEVELS.INFO, config.logCreator);
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.#config, config, this.#logger);
  }

  consumer(): never {
    throw new KafkaJSNotImplemented('kafka-wire/kafkajs is a producer: consume with kafkajs itself or another consumer; producers from kafka-wire and consumers from kafkajs work together');
  }

  admin(): never {
    throw new KafkaJSNotImplemented('kafka-wire/kafkajs is a producer: use kafkajs admin() or Kafka\'s tools for administration');
  }

  logger(): Logger {
    return this.#logger;
  }
}
