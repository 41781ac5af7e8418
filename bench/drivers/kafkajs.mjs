// KafkaJS 2.2.4.
//   --mode per-record  producer.send({ topic, messages: [one] }) per record, many in flight
//   --mode batch       producer.send with --batch (1000) messages per call, --concurrency (5)
//                      calls in flight: KafkaJS's best case (it has no linger: one call = one request)
// idempotent: true (acks -1), the Java-compatible murmur2 partitioner (DefaultPartitioner), and
// LZ4 through a codec around lz4-napi's frame encoder (KafkaJS ships none; same native library
// kafka-wire uses). maxInFlightRequests: KafkaJS's default (unlimited). --batch-size is accepted and
// ignored: KafkaJS has no batch.size (nor linger), so the equal-settings workloads run it as here.
import kafkajs from 'kafkajs';
import { createRequire } from 'node:module';
import { makeKeys, makeValues, parseDriverArgs, runDriver, sendLoop } from './common.mjs';

const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs;

runDriver(async () => {
  const o = parseDriverArgs();
  const mode = o.mode ?? 'per-record';
  if (mode !== 'per-record' && mode !== 'batch') throw new Error(`unknown --mode ${mode}`);
  let compression = CompressionTypes.None;
  if (o.compression === 'lz4') {
    const lz4 = createRequire(import.meta.url)('lz4-napi');
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder) => lz4.compressFrameSync(encoder.buffer),
      decompress: async (buffer) => lz4.decompressFrameSync(buffer),
    });
    compression = CompressionTypes.LZ4;
  } else if (o.compression !== 'none') throw new Error(`compression ${o.compression} not wired for KafkaJS`);

  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: o.bootstrap.split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = makeValues(o);
  const keys = makeKeys(o.keys);
  const topic = o.topic;
  const nKeys = o.keys;
  const step = mode === 'batch' ? o.batch : 1;
  const window = mode === 'batch' ? o.batch * o.concurrency : o.window;

  let lastCb = null;
  let ok = null;
  const send = (i, n, cb) => {
    if (cb !== lastCb) {
      lastCb = cb;
      ok = () => cb(null);
    }
    const messages = new Array(n);
    for (let j = 0; j < n; j++) messages[j] = { key: keys[(i + j) % nKeys], value: value(i + j) };
    producer.send({ topic, messages, acks: -1, compression }).then(ok, cb);
  };
  const r = await sendLoop({ records: o.records, step, window, rate: o.rate, warmup: o.warmup, send });
  await producer.disconnect();
  return { client: 'kafkajs', mode, ...r };
});
