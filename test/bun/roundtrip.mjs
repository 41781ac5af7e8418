// Run by test/live/bun.test.ts under Bun: the public API (built dist/) against a live broker.
// Prints one JSON line per record: { i, partition, offset } for the test to check against what an independent consumer reads back.
// An optional 4th argument names a Java client properties file (a secured listener's): used as is.
import { readFileSync } from 'node:fs';
import { Producer, parsePropertiesFile } from '../../dist/index.js';

const [bootstrap, topic, codec, propertiesFile] = process.argv.slice(2);
const fromFile = propertiesFile ? parsePropertiesFile(readFileSync(propertiesFile)) : {};
const producer = new Producer({ ...fromFile, 'bootstrap.servers': bootstrap, 'compression.type': codec, 'client.id': 'bun' });
const results = [];
const sends = [];
for (let i = 0; i < 500; i++) {
  const record = { topic, key: `key-${i % 17}`, value: `bun value ${i}`, headers: [['runtime', 'bun'], ['i', String(i)]] };
  if (i % 2 === 0) sends.push(producer.send(record).then((md) => results.push({ i, partition: md.partition, offset: String(md.offset) })));
  else {
    sends.push(
      new Promise((resolve, reject) =>
        producer.send(record, (err, md) => (err ? reject(err) : resolve(results.push({ i, partition: md.partition, offset: String(md.offset) })))),
      ),
    );
  }
}
await Promise.all(sends);
await producer.close();
process.stdout.write(JSON.stringify({ runtime: typeof Bun !== 'undefined' ? `bun ${Bun.version}` : 'node', results }) + '\n');
