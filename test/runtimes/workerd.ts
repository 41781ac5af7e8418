/**
 * Running test/runtimes/worker.mjs under workerd (the Cloudflare Workers runtime, fetched by the
 * global setup from the npm registry: inject('workerdBin'), or WORKERD_BIN) for
 * test/live/runtime-workers.test.ts and runtime-package.test.ts.
 *
 * The Worker is bundled as a Workers deployment bundles it (esbuild, the bundler wrangler uses:
 * ESM, the `workerd`/`worker`/`browser` export conditions, `cloudflare:` and `node:` modules left
 * to the runtime), then served by workerd with a config whose global outbound is a network
 * service that allows local addresses (the brokers listen on 127.0.0.1) and, for TLS, trusts the
 * given CA (the secured Kafka's throwaway CA: workerd's own trust store, as Cloudflare's is).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { inject } from 'vitest';

function injected<K extends 'workerdBin' | 'workerdUnavailable'>(key: K): string | null {
  try {
    return inject(key);
  } catch {
    return null;
  }
}

export function workerdBinary(): string | null {
  return injected('workerdBin') ?? process.env.WORKERD_BIN ?? null;
}

/** Why the workerd suites skip, or null when workerd is there. */
export function workerdUnavailable(): string | null {
  return workerdBinary() ? null : (injected('workerdUnavailable') ?? 'no workerd binary (the global setup fetches one; or set WORKERD_BIN)');
}

export const WORKER_SCRIPT = path.join(import.meta.dirname, 'worker.mjs');

export interface WorkerOptions {
  /** Where `kafka-wire/workers` comes from: a file (the repository's dist/workers.js), or null to resolve it from `resolveDir`'s node_modules (an installed tarball). */
  entry: string | null;
  /** The directory bare imports resolve from (default: this one). */
  resolveDir?: string;
  /** PEM file of a CA the outbound network trusts (TLS to a private CA). */
  trustedCa?: string;
  /** compatibilityFlags (default ["nodejs_compat"]: node:zlib, which gzip uses). */
  compatibilityFlags?: string[];
}

export interface RunningWorker {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Bytes of the bundled Worker script. */
  readonly bundleBytes: number;
  /** Everything workerd printed so far. */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const capnpString = (s: string): string => JSON.stringify(s);

/** Bundles the Worker, writes a workerd config beside it and serves it; resolves once workerd listens. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-wire-workerd-'));
  // The fixture is copied into resolveDir so its bare import resolves from there (an installed
  // package), unless `entry` points the import at a file.
  const resolveDir = options.resolveDir ?? import.meta.dirname;
  const source = fs.readFileSync(WORKER_SCRIPT, 'utf8');
  const outfile = path.join(dir, 'worker.js');
  await build({
    stdin: { contents: source, resolveDir, sourcefile: 'worker.mjs', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    ...(options.entry !== null ? { alias: { 'kafka-wire/workers': options.entry } } : {}),
    outfile,
    logLevel: 'silent',
  });
  const port = await freePort();
  const tls = options.trustedCa
    ? `, tlsOptions = (trustedCertificates = [ ${capnpString(fs.readFileSync(options.trustedCa, 'utf8'))} ])`
    : '';
  const flags = (options.compatibilityFlags ?? ['nodejs_compat']).map(capnpString).join(', ');
  fs.writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "brokers", network = (allow = ["public", "private", "local"]${tls})),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2025-01-01",
  compatibilityFlags = [ ${flags} ],
  globalOutbound = "brokers",
);
`,
  );
  const child: ChildProcess = spawn(workerdBinary()!, ['serve', path.join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onOutput = (d: Buffer): void => void (output += d.toString('utf8'));
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!output.includes(`Listening on http://127.0.0.1:${port}`)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`workerd did not start serving: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, bundleBytes: fs.statSync(outfile).size, log: () => output, stop };
}

/** GET /produce on the Worker; resolves its JSON answer and the HTTP status. */
export async function produceThroughWorker(worker: RunningWorker, query: Record<string, string | number>): Promise<{ status: number; body: Record<string, unknown> }> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await fetch(`${worker.url}/produce?${qs}`, { signal: AbortSignal.timeout(90_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new Error(`the Worker answered ${res.status} ${text}\nworkerd: ${worker.log()}`);
  }
}
