// A Cloudflare Worker that produces on each request, run under workerd by
// test/live/runtime-workers.test.ts (and, from the packed tarball, runtime-package.test.ts).
//
//   GET /produce?bootstrap=H:P&topic=T&codec=C&count=N[&pad=BYTES][&props={"security.protocol":"SSL",...}]
//
// sends N records { key: key-(i % 17), value: "workers value i" (then `pad` dots), headers
// runtime=workers, i=i },
// half awaited as promises and half with callbacks, closes the producer (Workers tie sockets to
// the request that opened them: one producer per request) and answers the record metadata as
// JSON: { runtime, results: [{ i, partition, offset, timestamp }] }. Errors answer 500 with
// { error, code }.
import { Producer } from 'kafka-wire/workers';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const q = (name, fallback) => url.searchParams.get(name) ?? fallback;
    const count = Number(q('count', '100'));
    const pad = '.'.repeat(Number(q('pad', '0')));
    const config = {
      'bootstrap.servers': q('bootstrap'),
      'compression.type': q('codec', 'none'),
      'client.id': 'workers',
      ...JSON.parse(q('props', '{}')),
    };
    let producer;
    try {
      producer = new Producer(config);
      const results = [];
      const sends = [];
      for (let i = 0; i < count; i++) {
        const record = { topic: q('topic'), key: `key-${i % 17}`, value: `workers value ${i}${pad}`, headers: [['runtime', 'workers'], ['i', String(i)]] };
        const settle = (md) => results.push({ i, partition: md.partition, offset: String(md.offset), timestamp: md.timestamp });
        if (i % 2 === 0) sends.push(producer.send(record).then(settle));
        else sends.push(new Promise((resolve, reject) => producer.send(record, (err, md) => (err ? reject(err) : resolve(settle(md))))));
      }
      await Promise.all(sends);
      await producer.close();
      return Response.json({ runtime: `workerd ${navigator.userAgent}`, results });
    } catch (e) {
      await producer?.close({ timeoutMs: 1000 }).catch(() => {});
      return Response.json({ error: String(e?.stack ?? e), code: e?.code }, { status: 500 });
    }
  },
};
