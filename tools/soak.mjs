#!/usr/bin/env node
// `npm run soak -- --minutes M [--kafka-version V] [--rate R] [--partitions P] [--compression C]
//                 [--request-timeout-ms MS] [--fault-every-s S] [--keep-broker]`
//
// Steady load for M minutes on a private 3-broker Apache Kafka (RF 3, min.insync.replicas 2,
// acks=all, idempotence on) with a fault every 30 s (kill -9 + restart, graceful restart,
// preferred-leader election, SIGSTOP past request.timeout.ms), a memory line each minute, and at
// the end a read-back with Kafka's Java consumer counting lost / duplicated / reordered records.
// Exit status 1 if any is > 0. See tools/soak/main.ts for the details.
//
// Runs tools/soak/main.ts under vite-node (installed with vitest by `npm ci`, no build step),
// which reuses the fault-suite helpers (test/helpers/faults.ts, test/helpers/kafka.ts).
// Needs java and kcat, like the live fault suites. Heavy: three broker JVMs (512 MiB heap each)
// on this machine's two cores; run it when the machine is quiet.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(
    'usage: npm run soak -- --minutes M [--kafka-version V] [--rate R (500/s)] [--partitions P (6)] [--value-bytes B (100)] ' +
      '[--compression none|gzip|snappy|lz4|zstd (lz4)] [--request-timeout-ms MS (10000)] [--fault-every-s S (30)] [--keep-broker]',
  );
  process.exit(0);
}
const require = createRequire(import.meta.url);
let viteNode;
try {
  viteNode = path.join(path.dirname(require.resolve('vite-node/package.json')), 'vite-node.mjs');
} catch {
  console.error('soak: vite-node is missing (it comes with vitest): run `npm ci` first');
  process.exit(2);
}
const child = spawn(
  process.execPath,
  [viteNode, '-c', path.join(REPO, 'tools', 'soak', 'vite.config.mjs'), path.join(REPO, 'tools', 'soak', 'main.ts'), ...argv],
  { cwd: REPO, stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
