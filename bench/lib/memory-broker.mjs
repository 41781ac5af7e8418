// An in-process broker behind kafka-wire's Transport seam (no socket, no kernel): it answers
// ApiVersions, Metadata, InitProducerId and Produce with kafka-wire's own codecs, so the public
// Producer runs its real pipeline — send -> accumulator -> seal/CRC -> Sender -> Produce request
// bytes -> response -> completions — with nothing but JavaScript in the loop. Used by
// bench/encode.mjs. Responses arrive on a later macrotask (setImmediate), as socket data would.
import { crc32c } from '../../dist/protocol/crc32c.js';
import { decodeRequest, encodeResponse } from '../../dist/protocol/index.js';

const API_PRODUCE = 0;
const API_METADATA = 3;
const API_API_VERSIONS = 18;
const API_INIT_PRODUCER_ID = 22;

/** RecordBatch v2 offsets. */
const OFF_BATCH_LENGTH = 8;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;

export class MemoryBroker {
  /**
   * `partitions`: partition count of every topic. `verifyBatches`: check the CRC32C (and count
   * records) of the first N batches received, to prove the bytes are valid RecordBatches.
   */
  constructor({ partitions = 3, verifyBatches = 0 } = {}) {
    this.partitions = partitions;
    this.verifyLeft = verifyBatches;
    this.verified = 0;
    this.nextOffset = new Map();
    this.records = 0;
    this.batches = 0;
    this.bytes = 0;
    this.requests = 0;
  }

  /** A kafka-wire Transport whose connections all lead to this broker. */
  transport() {
    return { connect: async () => new MemorySocket(this) };
  }

  handle(frame) {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const apiKey = view.getInt16(0);
    const version = view.getInt16(2);
    const correlationId = view.getInt32(4);
    switch (apiKey) {
      case API_API_VERSIONS:
        return encodeResponse(API_API_VERSIONS, version, correlationId, {
          errorCode: 0,
          apiKeys: [
            { apiKey: API_PRODUCE, minVersion: 3, maxVersion: 12 },
            { apiKey: API_METADATA, minVersion: 0, maxVersion: 12 },
            { apiKey: API_API_VERSIONS, minVersion: 0, maxVersion: 4 },
            { apiKey: API_INIT_PRODUCER_ID, minVersion: 0, maxVersion: 5 },
          ],
        }, { sizePrefix: true });
      case API_METADATA: {
        const { body } = decodeRequest(frame);
        const names = (body.topics ?? []).map((t) => t.name).filter(Boolean);
        return encodeResponse(API_METADATA, version, correlationId, {
          brokers: [{ nodeId: 1, host: 'memory', port: 9092, rack: null }],
          clusterId: 'memory-broker',
          controllerId: 1,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            isInternal: false,
            partitions: Array.from({ length: this.partitions }, (_, p) => ({
              errorCode: 0,
              partitionIndex: p,
              leaderId: 1,
              leaderEpoch: 0,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            })),
          })),
        }, { sizePrefix: true });
      }
      case API_INIT_PRODUCER_ID:
        return encodeResponse(API_INIT_PRODUCER_ID, version, correlationId, { errorCode: 0, producerId: 4242n, producerEpoch: 0 }, { sizePrefix: true });
      case API_PRODUCE: {
        this.requests++;
        const { body } = decodeRequest(frame);
        const responses = body.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((pd) => {
            const key = `${t.name}-${pd.index}`;
            const base = this.nextOffset.get(key) ?? 0n;
            const n = this.countRecords(pd.records);
            this.nextOffset.set(key, base + BigInt(n));
            return { index: pd.index, errorCode: 0, baseOffset: base, logAppendTimeMs: -1n, logStartOffset: 0n };
          }),
        }));
        if (body.acks === 0) return null;
        return encodeResponse(API_PRODUCE, version, correlationId, { responses }, { sizePrefix: true });
      }
      default:
        throw new Error(`memory broker: unsupported API key ${apiKey}`);
    }
  }

  /** Records in a partition's RecordBatch bytes (one or more batches); verifies CRCs while asked to. */
  countRecords(bytes) {
    if (!bytes) return 0;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    let n = 0;
    while (pos + 61 <= bytes.length) {
      const size = 12 + v.getInt32(pos + OFF_BATCH_LENGTH);
      const count = v.getInt32(pos + OFF_LAST_OFFSET_DELTA) + 1;
      if (this.verifyLeft > 0) {
        this.verifyLeft--;
        const want = v.getUint32(pos + OFF_CRC);
        const got = crc32c(bytes, pos + OFF_ATTRIBUTES, pos + size) >>> 0;
        if (want !== got) throw new Error(`memory broker: batch CRC mismatch (${want.toString(16)} != ${got.toString(16)})`);
        this.verified++;
      }
      n += count;
      this.batches++;
      this.bytes += size;
      pos += size;
    }
    this.records += n;
    return n;
  }
}

class MemorySocket {
  constructor(broker) {
    this.broker = broker;
    this.dataCb = null;
    this.closeCb = null;
    this.closed = false;
    this.pending = null; // partial frame bytes
  }

  write(chunk, onFlushed) {
    let buf = chunk;
    if (this.pending !== null) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
      this.pending = null;
    }
    const out = [];
    let pos = 0;
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (pos + 4 <= buf.length) {
      const size = v.getInt32(pos);
      if (pos + 4 + size > buf.length) break;
      const res = this.broker.handle(buf.subarray(pos + 4, pos + 4 + size));
      if (res !== null) out.push(res);
      pos += 4 + size;
    }
    if (pos < buf.length) this.pending = buf.slice(pos);
    if (out.length > 0) {
      setImmediate(() => {
        if (this.closed) return;
        for (const r of out) this.dataCb?.(r);
      });
    }
    if (onFlushed) queueMicrotask(() => onFlushed(null));
    return true;
  }

  onData(cb) {
    this.dataCb = cb;
  }

  onClose(cb) {
    this.closeCb = cb;
    if (this.closed) setImmediate(() => cb());
  }

  onDrain() {}

  close() {
    this.destroy();
  }

  destroy() {
    if (this.closed) return;
    this.closed = true;
    const cb = this.closeCb;
    if (cb) setImmediate(() => cb());
  }
}
