/**
 * KafkaJS messages in, KafkaJS RecordMetadata out, for one send/sendBatch call.
 *
 * Owns: the checks KafkaJS makes before sending (a topic, a messages array, a value on every
 * message), the conversion of a message into the engine's record (keys, values and header
 * values as KafkaJS encodes them: Uint8Array/Buffer as bytes, null as null, anything else as
 * the UTF-8 of String(x); a header whose value is an array becomes one header per element;
 * timestamps as numbers, 0 or absent meaning now), and the call's result: one RecordMetadata
 * per partition written (the offset of the call's first record there), topics in call order,
 * partitions ascending as KafkaJS's single-broker answer lists them. With acks=0 the result is
 * empty, as KafkaJS's is.
 *
 * The records of a call are sent with the engine's callback form (no promise per record) and
 * the call settles once every record has: with its metadata, or with the error of the first
 * failed message in message order.
 */
import type { Data, Producer as EngineProducer, ProducerRecord as EngineRecord } from '../../index.js';
import { KafkaJSNonRetriableError, toKafkaJSError } from './errors.js';
import type { IHeaders, Message, RecordMetadata, TopicMessages } from './types.js';

function data(v: unknown): Data {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  return String(v);
}

function headersOf(headers: IHeaders | undefined): Array<[string, Data]> | undefined {
  if (headers === undefined || headers === null) return undefined;
  const out: Array<[string, Data]> = [];
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    if (Array.isArray(v)) for (const each of v) out.push([name, data(each)]);
    else out.push([name, data(v)]);
  }
  return out;
}

/** A KafkaJS message as the engine's record (`partition`: the partitioner's choice, if one ran). */
export function toEngineRecord(topic: string, message: Message, partition: number | undefined): EngineRecord {
  const record: EngineRecord = { topic, key: data(message.key), value: data(message.value) };
  const headers = headersOf(message.headers);
  if (headers !== undefined) record.headers = headers;
  if (partition !== undefined) record.partition = partition;
  if (message.timestamp !== undefined && message.timestamp !== null && message.timestamp !== '') {
    const ts = Number(message.timestamp);
    if (ts !== 0) record.timestamp = ts; // KafkaJS: `timestamp || Date.now()`
  }
  return record;
}

/** KafkaJS's checks of a sendBatch call, and its merge of repeated topics (in first-seen order). */
export function checkedTopicMessages(topicMessages: readonly TopicMessages[] | undefined): TopicMessages[] {
  const list = topicMessages ?? [];
  if (!Array.isArray(list)) throw new KafkaJSNonRetriableError('topicMessages must be an array of { topic, messages }');
  if (list.some((t) => !t || !t.topic)) throw new KafkaJSNonRetriableError('Invalid topic');
  const merged = new Map<string, Message[]>();
  for (const { topic, messages } of list) {
    if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`);
    const without = messages.find((m) => m === null || typeof m !== 'object' || m.value === undefined);
    if (without !== undefined) throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(without)}`);
    const into = merged.get(topic);
    if (into === undefined) merged.set(topic, [...messages]);
    else into.push(...messages);
  }
  return [...merged].map(([topic, messages]) => ({ topic, messages }));
}

/** Per topic, the partitioner's choice for each message (a topic without: the message's own partition, else the engine's). */
export type PartitionChoices = ReadonlyMap<string, ReadonlyArray<number | undefined>>;

interface PartitionResult {
  readonly topicIndex: number;
  readonly topic: string;
  readonly partition: number;
  offset: bigint;
  logAppendTime: number;
}

/**
 * Sends every message of `topicMessages` through `engine` and resolves with KafkaJS's
 * RecordMetadata[] (or rejects with the KafkaJS form of the first failed message's error).
 */
export function sendAll(engine: EngineProducer, topicMessages: readonly TopicMessages[], partitions: PartitionChoices, acks: number): Promise<RecordMetadata[]> {
  return new Promise((resolve, reject) => {
    const results = new Map<string, PartitionResult>();
    let outstanding = 0;
    let failure: { index: number; error: unknown } | null = null;
    let submitted = false;
    const settleIfDone = (): void => {
      if (!submitted || outstanding > 0) return;
      if (failure !== null) reject(toKafkaJSError(failure.error));
      else resolve(acks === 0 ? [] : metadataOf(results));
    };
    // KafkaJS stamps a call's messages that carry no timestamp with one Date.now(). Giving the
    // engine that CreateTime explicitly also tells LogAppendTime apart: a different timestamp.
    const now = Date.now();
    let index = 0;
    topicMessages.forEach(({ topic, messages }, topicIndex) => {
      const chosen = partitions.get(topic);
      messages.forEach((message, i) => {
        const record = toEngineRecord(topic, message, chosen !== undefined ? chosen[i] : (message.partition ?? undefined));
        if (record.timestamp === undefined) record.timestamp = now;
        const createTime = record.timestamp as number;
        const messageIndex = index++;
        outstanding++;
        engine.send(record, (error, md) => {
          outstanding--;
          if (error !== null || md === undefined) {
            if (failure === null || messageIndex < failure.index) failure = { index: messageIndex, error };
          } else {
            const key = `${topicIndex}/${md.partition}`;
            const logAppendTime = md.timestamp !== createTime ? md.timestamp : -1;
            const seen = results.get(key);
            if (seen === undefined) results.set(key, { topicIndex, topic, partition: md.partition, offset: md.offset, logAppendTime });
            else if (md.offset < seen.offset) {
              seen.offset = md.offset;
              seen.logAppendTime = logAppendTime;
            }
          }
          settleIfDone();
        });
      });
    });
    submitted = true;
    settleIfDone();
  });
}

function metadataOf(results: ReadonlyMap<string, PartitionResult>): RecordMetadata[] {
  return [...results.values()]
    .sort((a, b) => a.topicIndex - b.topicIndex || a.partition - b.partition)
    .map((r) => ({
      topicName: r.topic,
      partition: r.partition,
      errorCode: 0,
      baseOffset: r.offset.toString(),
      logAppendTime: String(r.logAppendTime),
      logStartOffset: '-1',
    }));
}
