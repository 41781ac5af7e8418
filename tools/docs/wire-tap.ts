/**
 * A wire tap for the in-process fake cluster (test/helpers/fake-broker.ts): records every
 * request frame the producer writes and every response frame it reads, with the fake clock's
 * time, decoded. Used by tools/docs/scenarios.ts to print what a test scenario did on the wire.
 *
 * It patches `cluster.transport.connect` after `harness()` built the producer: the connection
 * pool looks `connect` up on the transport object at each connection, so every connection the
 * producer opens goes through the tap. Nothing else of the harness changes. The tapped socket
 * offers only Socketish's required methods (the fake broker's sockets have no optional ones), so
 * the connection takes its plain `write` path, as it does with the fake socket itself.
 */
import type { Socketish } from '../../src/network/transport.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { errorForCode } from '../../src/protocol/error-codes.js';
import { decodeRequest, decodeResponse, type MessageApiKey, type MetadataResponse, type ProduceRequest, type ProduceResponse } from '../../src/protocol/messages/index.js';
import { readRecordBatches } from '../../src/protocol/record-batch.js';
import type { Harness } from '../../test/helpers/fake-broker.js';

/** One batch of a Produce request, as the broker read it. */
export interface WireBatch {
  topic: string;
  partition: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  values: (string | null)[];
}

/** One partition's answer in a Produce response. */
export interface WireAnswer {
  topic: string;
  partition: number;
  error: string;
  baseOffset: bigint;
}

export interface WireRequest {
  kind: 'request';
  /** Position in the scenario's journal (shared with sends and completions). */
  seq: number;
  at: number;
  nodeId: number;
  /** Which connection (1, 2, ... in the order the producer opened them). */
  connection: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Produce only. */
  acks?: number;
  batches?: WireBatch[];
  /** The whole frame, size prefix included. */
  bytes: Uint8Array;
}

export interface WireResponse {
  kind: 'response';
  seq: number;
  at: number;
  nodeId: number;
  connection: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Produce only. */
  answers?: WireAnswer[];
  /** InitProducerId only. */
  producerId?: bigint;
  producerEpoch?: number;
  /** Metadata only: each partition's leader, e.g. `t-0 → 1`. */
  leaders?: string[];
  /** Top-level error name (InitProducerId, ApiVersions, Metadata), when not NONE. */
  error?: string;
}

export type WireEvent = WireRequest | WireResponse;

const utf8 = new TextDecoder();

/** Splits a byte stream into size-prefixed frames. */
class Framer {
  private pending = new Uint8Array(0);
  push(chunk: Uint8Array): Uint8Array[] {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending);
    buf.set(chunk, this.pending.length);
    const out: Uint8Array[] = [];
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = new DataView(buf.buffer, buf.byteOffset + pos, 4).getInt32(0);
      if (buf.length - pos - 4 < size) break;
      out.push(buf.slice(pos, pos + 4 + size));
      pos += 4 + size;
    }
    this.pending = buf.slice(pos);
    return out;
  }
}

export interface WireTap {
  readonly events: WireEvent[];
  /** Decoding runs asynchronously (record batches): await before reading `events`. */
  flush(): Promise<void>;
}

/** A counter shared by everything a scenario records, so wire events, sends and completions interleave correctly. */
export interface Journal {
  next: number;
}

/** Installs the tap on a harness (whose topics are `topics`). Call it before the first send. */
export function tapWire(h: Harness, topics: readonly string[], journal: Journal = { next: 0 }): WireTap {
  const { cluster, clock } = h;
  const events: WireEvent[] = [];
  let pending: Promise<void> = Promise.resolve();
  let connections = 0;
  const nameOfTopicId = (id: Uint8Array): string => {
    for (const name of topics) {
      const t = cluster.topicId(name);
      if (t.every((x, i) => x === id[i])) return name;
    }
    return '?';
  };
  const transport = cluster.transport as { connect: typeof cluster.transport.connect };
  const connect = transport.connect.bind(cluster.transport);
  transport.connect = async (host, port, options) => {
    const socket = await connect(host, port, options);
    const nodeId = [...cluster.brokers.values()].find((b) => b.host === host && b.port === port)?.nodeId ?? -1;
    const connection = ++connections;
    const sent = new Map<number, { apiKey: number; apiVersion: number }>();
    const out = new Framer();
    const inb = new Framer();
    const onRequest = (frame: Uint8Array): void => {
      const at = clock.now();
      const body = frame.subarray(4);
      const view = new DataView(body.buffer, body.byteOffset, 8);
      const apiKey = view.getInt16(0);
      const apiVersion = view.getInt16(2);
      const correlationId = view.getInt32(4);
      sent.set(correlationId, { apiKey, apiVersion });
      const ev: WireRequest = { kind: 'request', seq: journal.next++, at, nodeId, connection, apiKey, apiVersion, correlationId, bytes: frame };
      events.push(ev);
      if (apiKey !== ApiKey.Produce) return;
      const req = decodeRequest(body).body as ProduceRequest;
      ev.acks = req.acks;
      ev.batches = [];
      pending = pending.then(async () => {
        for (const td of req.topicData) {
          const topic = apiVersion >= 13 ? nameOfTopicId(td.topicId!) : (td.name ?? '');
          for (const pd of td.partitionData) {
            if (pd.records === null) continue;
            for (const b of await readRecordBatches(pd.records)) {
              ev.batches!.push({
                topic,
                partition: pd.index,
                producerId: b.producerId,
                producerEpoch: b.producerEpoch,
                baseSequence: b.baseSequence,
                recordCount: b.recordCount,
                values: b.records.map((r) => (r.value === null ? null : utf8.decode(r.value))),
              });
            }
          }
        }
      });
    };
    const onResponse = (frame: Uint8Array): void => {
      const at = clock.now();
      const body = frame.subarray(4);
      const correlationId = new DataView(body.buffer, body.byteOffset, 4).getInt32(0);
      const req = sent.get(correlationId);
      if (req === undefined) return;
      const ev: WireResponse = { kind: 'response', seq: journal.next++, at, nodeId, connection, apiKey: req.apiKey, apiVersion: req.apiVersion, correlationId };
      events.push(ev);
      try {
        const decoded = decodeResponse(req.apiKey as MessageApiKey, req.apiVersion, body).body as unknown;
        if (req.apiKey === ApiKey.Produce) {
          const res = decoded as ProduceResponse;
          ev.answers = [];
          for (const t of res.responses) {
            const topic = t.name !== '' ? t.name : nameOfTopicId(t.topicId);
            for (const p of t.partitionResponses) ev.answers.push({ topic, partition: p.index, error: errorForCode(p.errorCode).name, baseOffset: p.baseOffset });
          }
        } else if (req.apiKey === ApiKey.InitProducerId) {
          const res = decoded as { errorCode: number; producerId: bigint; producerEpoch: number };
          ev.producerId = res.producerId;
          ev.producerEpoch = res.producerEpoch;
          if (res.errorCode !== 0) ev.error = errorForCode(res.errorCode).name;
        } else if (req.apiKey === ApiKey.Metadata) {
          const res = decoded as MetadataResponse;
          ev.leaders = res.topics.flatMap((t) => t.partitions.map((p) => `${t.name ?? '?'}-${p.partitionIndex} → ${p.leaderId}`));
          if (res.errorCode !== 0) ev.error = errorForCode(res.errorCode).name;
        } else {
          const code = (decoded as { errorCode?: number }).errorCode ?? 0;
          if (code !== 0) ev.error = errorForCode(code).name;
        }
      } catch (e) {
        ev.error = `undecodable (${(e as Error).message})`;
      }
    };
    const tapped: Socketish = {
      write: (chunk, onFlushed) => {
        for (const f of out.push(chunk)) onRequest(f);
        return socket.write(chunk, onFlushed);
      },
      onData: (cb) =>
        socket.onData((chunk) => {
          for (const f of inb.push(chunk)) onResponse(f);
          cb(chunk);
        }),
      onClose: (cb) => socket.onClose(cb),
      onDrain: (cb) => socket.onDrain(cb),
      close: () => socket.close(),
      destroy: () => socket.destroy(),
    };
    return tapped;
  };
  return {
    events,
    flush: async () => {
      await pending;
    },
  };
}
