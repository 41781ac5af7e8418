// Run under Deno by test/live/runtime-deno.test.ts and test/runtimes/deno-bench.mjs: the built
// package (dist/) against a live broker.
//
//   deno run -A deno-produce.mjs '{"bootstrap":..., "topic":..., "codec":..., "config"?: FILE,
//                                  "transport"?: "node"|"deno", "count"?: N, "valueBytes"?: N}'
//
// Without valueBytes: sends `count` (500) records, half as promises and half with callbacks,
// and prints { runtime, transport, results: [{ i, partition, offset }] } for the test to check
// against what an independent consumer reads back. With valueBytes: a throughput run of `count`
// records of that size; prints { runtime, transport, records, ms } (no read back).
// `implementation: "pure"` makes the codecs skip the native packages (lz4-napi, snappy), and the
// output names the implementation that ran. `transport: "deno"` uses Deno.connect/startTls (./deno-transport.mjs, the measured candidate)
// instead of the package's node:net transport.
import { Producer, parsePropertiesFile } from '../../dist/index.js';
import { getCodec } from '../../dist/compression/index.js';
import { nodeRuntime } from '../../dist/runtime/node/index.js';

const args = JSON.parse(Deno.args[0]);
const fromFile = args.config ? parsePropertiesFile(Deno.readFileSync(args.config)) : {};
const internals = {};
const codecOptions = { implementation: args.implementation ?? 'auto' };
if (args.implementation) internals.runtime = { ...nodeRuntime, codecOptions };
if (args.transport === 'deno') {
  const { DenoTransport } = await import('./deno-transport.mjs');
  internals.runtime = { name: 'deno', transport: () => new DenoTransport() };
}
const config = { ...fromFile, 'bootstrap.servers': args.bootstrap, 'compression.type': args.codec, 'client.id': 'deno' };
const runtime = `deno ${Deno.version.deno}`;
const transport = args.transport ?? 'node';

if (args.valueBytes !== undefined) {
  const producer = new Producer({ ...config, 'linger.ms': 5, 'batch.size': 65536 }, internals);
  const value = new Uint8Array(args.valueBytes).fill(97);
  // Warm up: metadata, producer id and the connection before the clock starts.
  await producer.send({ topic: args.topic, value });
  const t0 = performance.now();
  let failed = 0;
  const done = new Promise((resolve) => {
    let left = args.count;
    const cb = (err) => {
      if (err) failed++;
      if (--left === 0) resolve();
    };
    for (let i = 0; i < args.count; i++) producer.send({ topic: args.topic, value }, cb);
  });
  await done;
  const ms = performance.now() - t0;
  await producer.close();
  console.log(JSON.stringify({ runtime, transport, records: args.count, failed, ms }));
} else {
  const producer = new Producer(config, internals);
  const results = [];
  const sends = [];
  const count = args.count ?? 500;
  for (let i = 0; i < count; i++) {
    const record = { topic: args.topic, key: `key-${i % 17}`, value: `deno value ${i}`, headers: [['runtime', 'deno'], ['i', String(i)]] };
    const settle = (md) => results.push({ i, partition: md.partition, offset: String(md.offset) });
    if (i % 2 === 0) sends.push(producer.send(record).then(settle));
    else sends.push(new Promise((resolve, reject) => producer.send(record, (err, md) => (err ? reject(err) : resolve(settle(md))))));
  }
  await Promise.all(sends);
  await producer.close();
  const implementation = (await getCodec(args.codec, codecOptions)).implementation;
  console.log(JSON.stringify({ runtime, transport, implementation, results }));
}
