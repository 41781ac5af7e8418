// @platformatic/kafka (the newest release that runs on Node 20: 1.35.x; 2.x needs Node >= 22.22).
//   --mode per-record  producer.send({ messages: [one] }) per record, many in flight
//   --mode batch       --batch (1000) messages per send, --concurrency (5) sends in flight
// acks -1 (all), idempotence OFF: 1.35.0 advances its sequence numbers only when a Produce
// response arrives, so concurrent idempotent sends reuse sequences and the broker drops the
// "duplicates" while the client reports success (silent loss, seen on Kafka 4.4). --idempotent
// turns it on anyway (correct only with one send in flight). It has no linger for send(): one
// call = one Produce request. LZ4 is its built-in (WebAssembly) codec. --batch-size is accepted and
// ignored: send() has no batch size (1.35.0's batchSize/batchTime belong to producer streams, and
// count messages, not bytes), so the equal-settings workloads run it as here.
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { makeKeys, makeValues, parseDriverArgs, runDriver, sendLoop } from './common.mjs';

runDriver(async () => {
  const o = parseDriverArgs({ idempotent: { type: 'boolean', default: false } });
  const mode = o.mode ?? 'per-record';
  if (mode !== 'per-record' && mode !== 'batch') throw new Error(`unknown --mode ${mode}`);
  const producer = new Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: o.bootstrap.split(','),
    idempotent: o.idempotent,
    acks: ProduceAcks.ALL,
    compression: o.compression,
    autocreateTopics: false,
  });
  const value = makeValues(o);
  const keys = makeKeys(o.keys);
  const topic = o.topic;
  const nKeys = o.keys;
  const step = mode === 'batch' ? o.batch : 1;
  const window = mode === 'batch' ? o.batch * o.concurrency : o.window;

  // Connect, fetch metadata and the producer id before the clock starts (others do the same).
  await producer.metadata({ topics: [topic] });
  if (o.idempotent) await producer.initIdempotentProducer({});

  let lastCb = null;
  let ok = null;
  const send = (i, n, cb) => {
    if (cb !== lastCb) {
      lastCb = cb;
      ok = () => cb(null);
    }
    const messages = new Array(n);
    for (let j = 0; j < n; j++) messages[j] = { topic, key: keys[(i + j) % nKeys], value: value(i + j) };
    producer.send({ messages }).then(ok, cb);
  };
  const r = await sendLoop({ records: o.records, step, window, rate: o.rate, warmup: o.warmup, send });
  await producer.close();
  return { client: 'platformatic', mode, ...r };
});
