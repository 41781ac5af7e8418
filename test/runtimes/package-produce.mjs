// Copied into an empty project that installed the packed kafka-wire tarball, and run there by
// test/live/runtime-package.test.ts under Node and Deno: produces through one entry point,
// imported by its package name as a user's code would.
//
//   node package-produce.mjs '{"entry":"kafka-wire"|"kafka-wire/kafkajs","bootstrap":...,"topic":...,"count":N}'
//
// Records: { key: key-(i % 17), value: "package value i", headers runtime=package, i=i }.
// Prints { runtime, entry, results }: per record { i, partition, offset } for kafka-wire; for
// kafka-wire/kafkajs the RecordMetadata[] that KafkaJS's send answers (per partition).
const args = JSON.parse(globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]);
const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`;
const record = (i) => ({ key: `key-${i % 17}`, value: `package value ${i}`, headers: [['runtime', 'package'], ['i', String(i)]] });

if (args.entry === 'kafka-wire') {
  const { Producer } = await import('kafka-wire');
  const producer = new Producer({ 'bootstrap.servers': args.bootstrap, 'client.id': 'package', 'compression.type': 'lz4' });
  const results = await Promise.all(
    Array.from({ length: args.count }, (_, i) =>
      producer.send({ topic: args.topic, ...record(i) }).then((md) => ({ i, partition: md.partition, offset: String(md.offset) })),
    ),
  );
  await producer.close();
  console.log(JSON.stringify({ runtime, entry: args.entry, results }));
} else if (args.entry === 'kafka-wire/kafkajs') {
  const { Kafka, CompressionTypes } = await import('kafka-wire/kafkajs');
  const kafka = new Kafka({ clientId: 'package', brokers: [args.bootstrap], logLevel: 0 });
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: args.count }, (_, i) => {
    const r = record(i);
    return { key: r.key, value: r.value, headers: Object.fromEntries(r.headers) };
  });
  const metadata = await producer.send({ topic: args.topic, messages, compression: CompressionTypes.GZIP });
  await producer.disconnect();
  console.log(JSON.stringify({ runtime, entry: args.entry, metadata }));
} else {
  throw new Error(`unknown entry ${args.entry}`);
}
