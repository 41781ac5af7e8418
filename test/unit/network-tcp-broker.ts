/**
 * A small Kafka broker over real TCP (node:net) for the network tests: answers ApiVersions,
 * Metadata and InitProducerId, and on Produce either answers or STALLS — stops reading in the
 * middle of the request, as a broker whose disk or GC froze, so the client's bytes back up.
 * Not a test file (vitest picks *.test.ts); used by network-*.test.ts and their child processes.
 */
import * as net from 'node:net';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeRequest, encodeResponse } from '../../src/protocol/messages/index.js';

export interface TcpBrokerOptions {
  /** 'stall': on the first Produce request stop reading once `stallAfterBytes` of it arrived. */
  readonly produce: 'answer' | 'stall' | 'ignore';
  readonly stallAfterBytes?: number;
  readonly host?: string;
  /** Port to listen on (default: any free one). */
  readonly port?: number;
  /** Name advertised in Metadata (default: the listening host). */
  readonly advertisedHost?: string;
  /** Accept TCP but never answer anything (a peer that accepted and hung). */
  readonly mute?: boolean;
}

export interface TcpBroker {
  readonly port: number;
  readonly host: string;
  /** Bytes read from clients, in total. */
  readonly bytesRead: () => number;
  /** Produce request bytes read (size prefix included). */
  readonly produceBytesRead: () => number;
  readonly connections: () => number;
  readonly stalled: Promise<void>;
  /** Resumes reading on stalled sockets; resolves with what each then delivered and how it ended. */
  resume(): Promise<Array<{ bytes: number; ended: string; bytesOf: Record<number, number> }>>;
  close(): Promise<void>;
}

const RANGES: Record<number, [number, number]> = {
  [ApiKey.Produce]: [3, 9],
  [ApiKey.Metadata]: [0, 9],
  [ApiKey.ApiVersions]: [0, 3],
  [ApiKey.InitProducerId]: [0, 4],
};

export function startTcpBroker(options: TcpBrokerOptions): Promise<TcpBroker> {
  const host = options.host ?? '127.0.0.1';
  let read = 0;
  let produceRead = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const stalledSockets: net.Socket[] = [];
  let onStalled!: () => void;
  const stalled = new Promise<void>((r) => (onStalled = r));
  let port = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.mute) {
      socket.on('data', (c) => (read += c.length));
      return;
    }
    let buf = Buffer.alloc(0);
    let stalledHere = false;
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 4) return;
        const size = buf.readInt32BE(0);
        const apiKey = buf.length >= 6 ? buf.readInt16BE(4) : -1;
        if (apiKey === ApiKey.Produce) {
          const inThis = Math.min(buf.length, size + 4);
          if (options.produce === 'stall' && !stalledHere && inThis >= (options.stallAfterBytes ?? 65536) && inThis < size + 4) {
            stalledHere = true;
            produceRead += inThis;
            socket.pause(); // stop reading mid-request: the client's bytes back up
            socket.removeListener('data', onData);
            stalledSockets.push(socket);
            onStalled();
            return;
          }
        }
        if (buf.length < size + 4) return;
        const frame = buf.subarray(4, size + 4);
        buf = buf.subarray(size + 4);
        if (apiKey === ApiKey.Produce) produceRead += size + 4;
        const reply = answer(frame);
        if (reply !== null) socket.write(reply);
      }
    };
    socket.on('data', onData);
  });
  const answer = (frame: Buffer): Uint8Array | null => {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
    const apiKey = view.getInt16(0);
    const version = view.getInt16(2);
    const correlationId = view.getInt32(4);
    const apiKeys = Object.entries(RANGES).map(([k, r]) => ({ apiKey: Number(k), minVersion: r[0], maxVersion: r[1] }));
    if (apiKey === ApiKey.ApiVersions) {
      const v = Math.min(version, RANGES[ApiKey.ApiVersions]![1]);
      return encodeResponse(ApiKey.ApiVersions, v, correlationId, { errorCode: version > v ? 35 : 0, apiKeys, throttleTimeMs: 0 }, { sizePrefix: true });
    }
    const decoded = decodeRequest(new Uint8Array(frame));
    switch (apiKey) {
      case ApiKey.Metadata: {
        const body = decoded.body as { topics: { name: string | null }[] | null };
        const names = (body.topics ?? []).map((t) => t.name ?? '');
        return encodeResponse(
          ApiKey.Metadata,
          version,
          correlationId,
          {
            throttleTimeMs: 0,
            brokers: [{ nodeId: 0, host: options.advertisedHost ?? host, port, rack: null }],
            clusterId: 'tcp-broker',
            controllerId: 0,
            topics: names.map((name) => ({
              errorCode: 0,
              name,
              topicId: new Uint8Array(16),
              isInternal: false,
              partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 0, leaderEpoch: 0, replicaNodes: [0], isrNodes: [0], offlineReplicas: [] }],
            })),
          },
          { sizePrefix: true },
        );
      }
      case ApiKey.InitProducerId:
        return encodeResponse(ApiKey.InitProducerId, version, correlationId, { throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 0 }, { sizePrefix: true });
      case ApiKey.Produce: {
        if (options.produce !== 'answer') return null;
        const body = decoded.body as { topicData: { name: string; partitionData: { index: number }[] }[] };
        return encodeResponse(
          ApiKey.Produce,
          version,
          correlationId,
          {
            responses: body.topicData.map((t) => ({
              name: t.name,
              partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null })),
            })),
            throttleTimeMs: 0,
          },
          { sizePrefix: true },
        );
      }
      default:
        return null;
    }
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        host,
        bytesRead: () => read,
        produceBytesRead: () => produceRead,
        connections: () => connections,
        stalled,
        resume: () =>
          Promise.all(
            stalledSockets.map(
              (s) =>
                new Promise<{ bytes: number; ended: string; bytesOf: Record<number, number> }>((done) => {
                  let bytes = 0;
                  let ended = 'open';
                  const bytesOf: Record<number, number> = {};
                  s.on('data', (c: Buffer) => {
                    bytes += c.length;
                    for (const x of c) bytesOf[x] = (bytesOf[x] ?? 0) + 1;
                  });
                  s.on('error', (e: NodeJS.ErrnoException) => (ended = e.code ?? e.message));
                  s.on('end', () => (ended = ended === 'open' ? 'end' : ended));
                  s.on('close', () => done({ bytes, ended, bytesOf }));
                  s.resume();
                  setTimeout(() => done({ bytes, bytesOf, ended: `${ended} (still open after 3 s)` }), 3000).unref();
                }),
            ),
          ),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
