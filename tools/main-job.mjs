#!/usr/bin/env node
// The main job (`npm start`): bring up an embedded single-broker Kafka (unless KAFKA_BOOTSTRAP
// names one), prove it answers with tools nobody here wrote (metadata, then a produce + consume
// round trip), then run kafka-wire's perf tool against it. Whatever it started, it stops:
// on success, on failure and on Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, javaTool, kafkaRelease, kafkaUp, probeMetadata } from './broker/index.mjs';

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
const say = (msg) => console.log(`[main-job] ${msg}`);

let leasedKafka = false; // we hold a lease on the embedded Kafka (see tools/broker/common.mjs)
let child = null; // the perf process, killed on Ctrl-C
let stopping = null;

/** Stop what this job started (idempotent). */
function cleanup() {
  stopping ??= (async () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    if (leasedKafka) {
      // Stops the broker if we started it and no test run shares it; a broker started with
      // `npm run broker -- up` stays up.
      const stopped = await kafkaRelease().catch((e) => console.error(`[main-job] stopping Kafka failed: ${e.message}`));
      if (stopped) say('stopped the embedded Kafka');
    }
  })();
  return stopping;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    say(`${sig}: shutting down`);
    cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

const haveKcat = spawnSync('sh', ['-c', 'command -v kcat'], { stdio: 'ignore' }).status === 0;

function kcat(args, input) {
  const res = spawnSync('kcat', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (res.status !== 0) throw new Error(`kcat ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return res.stdout;
}

/** Metadata answers: kcat -L, or our own Metadata probe when kcat is not installed. */
async function checkMetadata(bootstrap) {
  if (haveKcat) {
    const md = JSON.parse(kcat(['-L', '-J', '-b', bootstrap]));
    say(`metadata (kcat -L): ${md.brokers.length} broker(s): ${md.brokers.map((b) => `${b.id}@${b.name}`).join(' ')}`);
    return;
  }
  const [host, port] = bootstrap.split(',')[0].split(':');
  const md = await probeMetadata(host, Number(port), 10_000);
  say(`metadata (probe; kcat not installed): ${md.brokers.length} broker(s)`);
}

/** Produce records and read them back with an independent client; throw on any difference. */
async function roundTrip(bootstrap) {
  const topic = `main-job-roundtrip-${Date.now()}`;
  const sent = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `value-${i}` }));
  let got;
  if (haveKcat) {
    kcat(['-P', '-b', bootstrap, '-t', topic, '-K', ':', '-X', 'acks=all'], sent.map((r) => `${r.key}:${r.value}`).join('\n') + '\n');
    // The topic is auto-created on first produce; read until all records are there.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = spawnSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-J', '-X', 'check.crcs=true'], { encoding: 'utf8', timeout: 30_000 });
      got = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((j) => ({ key: j.key, value: j.payload }));
      if (got.length >= sent.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } else {
    // No kcat (e.g. a fresh machine without apt): Kafka's own Java producer and consumer.
    const b64 = (s) => Buffer.from(s).toString('base64');
    await javaTool(['produce', '--bootstrap', bootstrap, '--topic', topic], {
      input: sent.map((r) => JSON.stringify({ key: b64(r.key), value: b64(r.value) })).join('\n') + '\n',
    });
    const out = await javaTool(['read', '--bootstrap', bootstrap, '--topic', topic, '--expected', String(sent.length)]);
    got = out.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .map((j) => ({ key: Buffer.from(j.key, 'base64').toString(), value: Buffer.from(j.value, 'base64').toString() }));
  }
  const same = got.length === sent.length && got.every((r, i) => r.key === sent[i].key && r.value === sent[i].value);
  if (!same) throw new Error(`round trip on ${topic}: sent ${sent.length} records, read back ${got.length} (or different content)`);
  say(`round trip: ${sent.length} records produced and read back intact (${haveKcat ? 'kcat' : 'Java client'}, topic ${topic})`);
}

function runPerf(bootstrap) {
  const args = [CLI, 'perf', '--topic', 'perf', '--num-records', '1000000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`];
  say(`node ${path.relative(REPO_ROOT, CLI)} ${args.slice(1).join(' ')}`);
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  let bootstrap = process.env.KAFKA_BOOTSTRAP;
  if (bootstrap) {
    say(`using the Kafka at KAFKA_BOOTSTRAP=${bootstrap}`);
  } else {
    const st = await kafkaUp({ log: (m) => say(m), lease: true });
    leasedKafka = true;
    bootstrap = st.bootstrap;
    say(`${st.reused ? 'reusing the running' : 'started an embedded'} Kafka: bootstrap.servers=${bootstrap}`);
  }

  await checkMetadata(bootstrap);
  await roundTrip(bootstrap);

  // ---- HOOK: kafka-wire's own producer. Runs once `npm run build` produces dist/cli/main.js. ----
  if (fs.existsSync(CLI)) {
    const code = await runPerf(bootstrap);
    if (code !== 0) throw new Error(`kafka-wire perf exited with ${code}`);
  } else {
    say(`${path.relative(REPO_ROOT, CLI)} not built yet: skipping the perf run (broker round trip only)`);
  }
  // ---- end of hook ----
}

let exitCode = 0;
try {
  await main();
  say('done');
} catch (e) {
  // After Ctrl-C the perf child dies by our hand: that is not a failure worth reporting.
  if (!stopping) console.error(`[main-job] FAILED: ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
