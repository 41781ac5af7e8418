// The throughput comparison behind src/runtime/deno/: Deno's Node-compatibility sockets
// (node:net, what `import 'kafka-wire'` uses under Deno) against Deno.connect, producing to a live
// broker from Deno. Runs the two in alternating order, `runs` times each, and prints the median
// records/s and MB/s of each. Not part of npm test (a measurement, not an assertion).
//
//   node test/runtimes/deno-bench.mjs BOOTSTRAP [runs=7] [count=500000] [valueBytes=100] [codec=none]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureDeno } from '../../tools/broker/system-deps.mjs';

const [bootstrap, runs = '7', count = '500000', valueBytes = '100', codec = 'none'] = process.argv.slice(2);
if (!bootstrap) throw new Error('usage: node test/runtimes/deno-bench.mjs BOOTSTRAP [runs] [count] [valueBytes] [codec]');
const deno = await ensureDeno({ log: (m) => console.error(m) });
if (!deno.bin) throw new Error(deno.reason);
const script = join(import.meta.dirname, 'deno-produce.mjs');
const ms = { node: [], deno: [] };
for (let r = 0; r < Number(runs); r++) {
  for (const transport of r % 2 === 0 ? ['node', 'deno'] : ['deno', 'node']) {
    const args = { bootstrap, topic: `deno-bench-${process.pid}-${r}-${transport}`, codec, transport, count: Number(count), valueBytes: Number(valueBytes) };
    const out = spawnSync(deno.bin, ['run', '-A', script, JSON.stringify(args)], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    const res = JSON.parse(out.stdout.trim());
    if (res.failed !== 0) throw new Error(`${res.failed} records failed`);
    ms[transport].push(res.ms);
    console.error(`run ${r + 1} ${transport}: ${res.ms.toFixed(0)} ms`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios = ms.node.map((n, i) => n / ms.deno[i]);
console.log(`Deno.connect / node:net throughput, median of the ${runs} paired runs: ${median(ratios).toFixed(2)}x (each pair ran back to back, alternating order)`);
for (const transport of ['node', 'deno']) {
  const m = median(ms[transport]);
  const rps = Number(count) / (m / 1000);
  console.log(`${deno.version} ${transport === 'node' ? 'node:net (compat)' : 'Deno.connect    '}: median of ${runs}: ${m.toFixed(0)} ms, ${Math.round(rps)} records/s, ${((rps * Number(valueBytes)) / 1e6).toFixed(1)} MB/s`);
}
