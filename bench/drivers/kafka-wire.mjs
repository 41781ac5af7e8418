// kafka-wire through its public API (the built package entry, dist/index.js), per-record send.
//   --mode promise   producer.send(record).then(...)
//   --mode callback  producer.send(record, callback)   (no promise is created)
// Java's defaults otherwise (batch.size 16384, buffer.memory 32 MiB, max.in.flight 5);
// --batch-size N sets 'batch.size' (the equal-settings workloads).
import { Producer } from '../../dist/index.js';
import { makeKeys, makeValues, parseDriverArgs, runDriver, sendLoop } from './common.mjs';

runDriver(async () => {
  const o = parseDriverArgs();
  const mode = o.mode ?? 'callback';
  if (mode !== 'promise' && mode !== 'callback') throw new Error(`unknown --mode ${mode}`);
  const producer = new Producer({
    'bootstrap.servers': o.bootstrap,
    'client.id': 'bench-kafka-wire',
    acks: 'all',
    'enable.idempotence': true,
    'linger.ms': 5,
    'compression.type': o.compression,
    ...(o.batchSize > 0 ? { 'batch.size': o.batchSize } : {}),
  });
  const value = makeValues(o);
  const keys = makeKeys(o.keys);
  const topic = o.topic;
  const nKeys = o.keys;

  let send;
  if (mode === 'callback') {
    send = (i, _n, cb) => producer.send({ topic, key: keys[i % nKeys], value: value(i) }, cb);
  } else {
    // One resolve handler per distinct completion function (the loop passes a shared one in
    // throughput runs), so the promise form adds no closure of the driver's own per record.
    let lastCb = null;
    let ok = null;
    send = (i, _n, cb) => {
      if (cb !== lastCb) {
        lastCb = cb;
        ok = () => cb(null);
      }
      producer.send({ topic, key: keys[i % nKeys], value: value(i) }).then(ok, cb);
    };
  }
  const r = await sendLoop({ records: o.records, window: o.window, rate: o.rate, warmup: o.warmup, send });
  // Java's batch-size-avg/-max (bytes per sent batch): shows the batch.size the run had.
  const m = producer.metrics();
  await producer.close();
  return { client: 'kafka-wire', mode, ...r, batchSizeAvg: m['batch-size-avg'], batchSizeMax: m['batch-size-max'] };
});
