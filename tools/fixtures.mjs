#!/usr/bin/env node
// Golden fixtures from Apache Kafka's own Java client (see fixtures/README.md).
//
//   node tools/fixtures.mjs                      regenerate fixtures/ from kafka-clients 3.9.x and 4.4.0
//   node tools/fixtures.mjs verify DIR [--out FILE] [--kafka-version V]
//                                                decode every *.bin under DIR with Java's MemoryRecords
//                                                (ensureValid: size + CRC-32C), print a JSON description,
//                                                and compare with NAME.json next to NAME.bin if present
//   node tools/fixtures.mjs java-parity          regenerate fixtures/java-parity/ only: what Kafka 4.4.0's own
//                                                classes (ProducerConfig, Properties, LineMessageReader, the
//                                                console producer's and ProducerPerformance's options) do with
//                                                the cases in fixtures/generator/java-parity/ (also part of generate)
//
// Needs Java 17 and Maven (kafka-clients comes from Maven Central on first use). Tests never run
// this: the generated fixtures are committed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'fixtures');
const GENERATOR = join(FIXTURES, 'generator');

// Oldest first. Each line tries its candidates in order and uses the first Maven Central serves.
const RELEASES = [
  { line: '3.9', candidates: ['3.9.1', '3.9.2'] },
  { line: '4.x', candidates: ['4.4.0'] },
];
const API_ORDER = ['RecordBatch', 'RequestHeader', 'ResponseHeader', 'Produce', 'Metadata', 'ApiVersions', 'InitProducerId',
  'SaslHandshake', 'SaslAuthenticate', 'FindCoordinator', 'AddPartitionsToTxn', 'AddOffsetsToTxn', 'EndTxn', 'TxnOffsetCommit',
  'ListOffsets', 'Fetch', 'CreateTopics', 'DeleteTopics'];

function die(msg) {
  console.error(`fixtures: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) die(`cannot run ${cmd}: ${r.error.message}`);
  return r;
}

/** Builds the generator against one kafka-clients version; returns the java classpath or null. */
function build(version) {
  const target = join(GENERATOR, 'target', `kafka-${version}`);
  console.error(`fixtures: building the generator against kafka-clients ${version} ...`);
  const r = run('mvn', ['-q', '-B', '-f', join(GENERATOR, 'pom.xml'), `-Dkafka.version=${version}`,
    'package', 'dependency:build-classpath']);
  if (r.status !== 0) {
    console.error(r.stdout + r.stderr);
    return null;
  }
  const cp = readFileSync(join(target, 'classpath.txt'), 'utf8').trim();
  return `${join(target, 'classes')}:${cp}`;
}

function java(classpath, args, opts = {}) {
  return run('java', ['-Xmx512m', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'kafkawire.fixtures.Main', ...args], opts);
}

function buildFirstServed(release) {
  for (const version of release.candidates) {
    const classpath = build(version);
    if (classpath) return { version, classpath };
    console.error(`fixtures: kafka-clients ${version} did not build; trying the next candidate`);
  }
  die(`no kafka-clients release of the ${release.line} line could be built (${release.candidates.join(', ')})`);
}

/** JSON with small values on one line, so the manifest stays readable and diffs stay small. */
function format(value, indent = '') {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || flat.length + indent.length <= 110) return flat;
  const inner = indent + '  ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + format(v, inner)).join(',\n')}\n${indent}]`;
  const body = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`);
  return `{\n${body.join(',\n')}\n${indent}}`;
}

/** The manifest convention: int64 values are strings, so every JSON number must be a safe integer. */
function assertNoUnsafeNumbers(value, path) {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) die(`${path}: number ${value} would lose precision`);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoUnsafeNumbers(v, `${path}.${k}`);
  }
}

function sortKey(e) {
  const api = API_ORDER.indexOf(e.api);
  // Ties keep the generator's order (main case first, then variants as listed in the inputs).
  return [api < 0 ? 99 : api, e.api, e.direction === 'request' ? 0 : 1, e.version];
}

function compareEntries(a, b) {
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] < kb[i]) return -1;
    if (ka[i] > kb[i]) return 1;
  }
  return 0;
}

function generate() {
  const outputs = [];
  for (const release of RELEASES) {
    const { version, classpath } = buildFirstServed(release);
    const source = `java kafka-clients ${version}`;
    const out = join(GENERATOR, 'target', `out-${version}`);
    rmSync(out, { recursive: true, force: true });
    const r = java(classpath, ['generate', join(GENERATOR, 'inputs'), out, source], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) die(`generator failed for kafka-clients ${version}`);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assertNoUnsafeNumbers(manifest, `manifest(${version})`);
    outputs.push({ version, source, out, manifest });
  }

  // Merge, newest release first: where releases agree, the newest is the source of record.
  const merged = new Map(); // file -> { entry, from }
  const differences = [];
  for (const o of [...outputs].reverse()) {
    for (const entry of o.manifest) {
      const bytes = readFileSync(join(o.out, entry.file));
      const seen = merged.get(entry.file);
      if (!seen) {
        merged.set(entry.file, { entry, bytes, out: o.out });
        continue;
      }
      const sameBytes = Buffer.compare(bytes, seen.bytes) === 0;
      const { source: _a, ...inA } = entry;
      const { source: _b, sameBytesIn: _c, ...inB } = seen.entry;
      if (sameBytes && isDeepStrictEqual(inA, inB)) {
        (seen.entry.sameBytesIn ??= []).push(o.source);
        continue;
      }
      // Keep both: the older release's file gets a suffix.
      const file = entry.file.replace(/\.bin$/, `-kafka-${o.version}.bin`);
      const what = sameBytes ? 'same bytes, different normalized inputs' : 'different bytes';
      differences.push(`${entry.file}: ${o.source} vs ${seen.entry.source}: ${what} (kept as ${file})`);
      merged.set(file, { entry: { ...entry, file, differsFrom: seen.entry.file }, bytes, out: o.out });
    }
  }

  // Replace the generated parts of fixtures/ (never generator/, README.md or anything else).
  const dirs = new Set([...merged.keys()].map((f) => f.split('/')[0]));
  const oldManifest = join(FIXTURES, 'manifest.json');
  if (existsSync(oldManifest)) {
    for (const e of JSON.parse(readFileSync(oldManifest, 'utf8'))) dirs.add(e.file.split('/')[0]);
  }
  for (const d of dirs) {
    if (d === 'generator' || d.includes('.')) continue;
    rmSync(join(FIXTURES, d), { recursive: true, force: true });
  }
  const entries = [...merged.values()].map((m) => m.entry).sort(compareEntries);
  for (const { entry, bytes } of merged.values()) {
    mkdirSync(dirname(join(FIXTURES, entry.file)), { recursive: true });
    writeFileSync(join(FIXTURES, entry.file), bytes);
  }
  writeFileSync(oldManifest, format(entries) + '\n');

  // Summary: which versions each release produced.
  for (const o of outputs) {
    const byApi = new Map();
    for (const e of o.manifest) {
      const key = `${e.api} ${e.direction}`;
      if (!byApi.has(key)) byApi.set(key, new Set());
      byApi.get(key).add(e.version);
    }
    console.error(`\n${o.source}: ${o.manifest.length} fixtures`);
    for (const [k, vs] of byApi) {
      const list = [...vs].sort((a, b) => a - b);
      console.error(`  ${k.padEnd(28)} v${list[0]}..v${list[list.length - 1]}`);
    }
  }
  console.error(`\nfixtures/manifest.json: ${entries.length} entries`);
  if (differences.length) {
    console.error(`\n${differences.length} fixture(s) differ between releases:`);
    for (const d of differences) console.error(`  ${d}`);
  } else {
    console.error('every fixture both releases define is byte-identical (and has identical inputs)');
  }
}

// ---------------------------------------------------------------- verify

const INPUT_FIELDS = ['baseOffset', 'partitionLeaderEpoch', 'compression', 'timestampType', 'producerId',
  'producerEpoch', 'baseSequence', 'isTransactional'];

/** Compares what Java decoded with the intended batch (manifest "inputs" shape). */
function compareBatch(intended, decoded, where, out) {
  for (const f of INPUT_FIELDS) {
    if (f in intended && String(intended[f]) !== String(decoded[f])) {
      out.push(`${where}: ${f} is ${decoded[f]}, meant ${intended[f]}`);
    }
  }
  if (intended.timestampType === 'LogAppendTime' && 'logAppendTime' in intended &&
      String(intended.logAppendTime) !== decoded.logAppendTime) {
    out.push(`${where}: logAppendTime is ${decoded.logAppendTime}, meant ${intended.logAppendTime}`);
  }
  const want = intended.records ?? [];
  const got = decoded.records ?? [];
  if (want.length !== got.length) out.push(`${where}: ${got.length} records, meant ${want.length}`);
  for (let i = 0; i < Math.min(want.length, got.length); i++) {
    const w = want[i];
    const g = got[i];
    const rw = `${where} record ${i}`;
    if ((w.offsetDelta ?? i) !== g.offsetDelta) out.push(`${rw}: offsetDelta ${g.offsetDelta}, meant ${w.offsetDelta ?? i}`);
    // Java reports LogAppendTime for every record of a LogAppendTime batch.
    if (intended.timestampType !== 'LogAppendTime' && 'timestamp' in w && String(w.timestamp) !== g.timestamp) {
      out.push(`${rw}: timestamp ${g.timestamp}, meant ${w.timestamp}`);
    }
    for (const f of ['key', 'value']) {
      if (f in w && (w[f] ?? null) !== g[f]) out.push(`${rw}: ${f} ${JSON.stringify(g[f])}, meant ${JSON.stringify(w[f])}`);
    }
    if ('headers' in w && !isDeepStrictEqual(w.headers ?? [], g.headers)) {
      out.push(`${rw}: headers ${JSON.stringify(g.headers)}, meant ${JSON.stringify(w.headers)}`);
    }
  }
}

function verify(args) {
  const dir = args[0];
  if (!dir) die('usage: node tools/fixtures.mjs verify DIR [--out FILE] [--kafka-version V]');
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const version = opt('--kafka-version') ?? RELEASES[RELEASES.length - 1].candidates[0];
  const outFile = opt('--out');
  const classpath = build(version) ?? die(`could not build the generator against kafka-clients ${version}`);
  const tmp = join(GENERATOR, 'target', `verify-${process.pid}.json`);
  const r = java(classpath, ['verify', resolve(dir), '--out', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(tmp)) die(`verify produced no output (exit ${r.status})`);
  const report = JSON.parse(readFileSync(tmp, 'utf8'));
  rmSync(tmp, { force: true });

  // Intended contents: NAME.json next to NAME.bin, one batch spec (manifest "inputs" shape) or an
  // array of them, or a manifest entry with "inputs".
  let compared = 0;
  for (const file of report) {
    const sidecar = join(resolve(dir), file.file.replace(/\.bin$/, '.json'));
    if (!existsSync(sidecar)) continue;
    let intended = JSON.parse(readFileSync(sidecar, 'utf8'));
    if (!Array.isArray(intended)) intended = [intended];
    intended = intended.map((x) => x.inputs ?? x);
    const problems = [];
    if (intended.length !== file.batches.length) {
      problems.push(`${file.batches.length} batch(es), meant ${intended.length}`);
    }
    intended.forEach((want, i) => file.batches[i] && compareBatch(want, file.batches[i], `batch ${i}`, problems));
    file.comparedWith = relative(resolve(dir), sidecar);
    if (problems.length) {
      file.problems.push(...problems);
      file.ok = false;
    }
    compared++;
  }
  const text = JSON.stringify(report, null, 2) + '\n';
  if (outFile) writeFileSync(outFile, text);
  else process.stdout.write(text);
  const failed = report.filter((f) => !f.ok);
  for (const f of failed) console.error(`FAIL ${f.file}: ${f.problems.join('; ')}`);
  console.error(`verify: ${report.length} file(s), ${compared} compared with a NAME.json, ` +
    `${failed.length} with problems (kafka-clients ${version})`);
  process.exit(report.length > 0 && failed.length === 0 ? 0 : 1);
}

// ---------------------------------------------------------------- java-parity

/** Runs Kafka 4.4.0's own classes on the parity cases; writes fixtures/java-parity/*.json. */
function javaParity() {
  const project = join(GENERATOR, 'java-parity');
  const target = join(GENERATOR, 'target', 'java-parity');
  console.error('fixtures: building the Java parity oracle against kafka-clients/kafka-tools 4.4.0 ...');
  const r = run('mvn', ['-q', '-B', '-f', join(project, 'pom.xml'), 'package', 'dependency:build-classpath']);
  if (r.status !== 0) die(`java-parity build failed:\n${r.stdout}${r.stderr}`);
  const classpath = `${join(target, 'classes')}:${readFileSync(join(target, 'classpath.txt'), 'utf8').trim()}`;
  const out = join(FIXTURES, 'java-parity');
  mkdirSync(out, { recursive: true });
  const j = run('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'kafkawire.parity.JavaParity', project, out],
    { cwd: project, stdio: ['ignore', 'inherit', 'inherit'] });
  if (j.status !== 0) die('java-parity generator failed');
  console.error(`fixtures: wrote ${relative(ROOT, out)}/`);
}

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === 'generate') {
  generate();
  javaParity();
} else if (cmd === 'verify') verify(rest);
else if (cmd === 'java-parity') javaParity();
else die(`unknown command ${cmd}; use "generate" (default), "java-parity" or "verify DIR"`);
