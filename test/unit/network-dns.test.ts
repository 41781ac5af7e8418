/**
 * Names with several addresses (issue 19, items 2 and 3), over real TCP: the pool resolves once
 * per connection attempt through the transport (the test injects the lookup through the
 * Runtime), rotates through the addresses on successive attempts as Java's
 * ClusterConnectionStates does, and names the IP in errors (`name/ip:port`). Node 20's
 * happy-eyeballs AggregateError (empty message) never yields an empty reason.
 * Also: bootstrap entries as Java's HOST_PORT_PATTERN reads them, and the lookup limiter.
 */
import * as net from 'node:net';
import { describe, expect, test } from 'vitest';
import { Producer } from '../../src/producer.js';
import { createNodeRuntime } from '../../src/runtime/node/index.js';
import { ConnectionPool } from '../../src/network/connection-pool.js';
import { NodeTransport } from '../../src/runtime/node/transport.js';
import { describeError } from '../../src/network/describe-error.js';
import { LookupLimiter } from '../../src/network/lookup.js';
import { parseBootstrapServers, parseHostPort } from '../../src/network/address.js';
import type { ResolvedAddress } from '../../src/network/transport.js';
import { startTcpBroker } from './network-tcp-broker.js';

const TWO: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '127.0.0.2', family: 4 },
];

describe('a name resolving to two addresses, the first accepting TCP but never answering', () => {
  test('the producer gets past the first address: each attempt takes the next one (use_all_dns_ips)', async () => {
    const hung = await startTcpBroker({ produce: 'answer', mute: true, host: '127.0.0.1' });
    const good = await startTcpBroker({ produce: 'answer', host: '127.0.0.2', port: hung.port, advertisedHost: 'dual.test' });
    const lookups: string[] = [];
    const runtime = createNodeRuntime({
      lookup: async (host) => {
        lookups.push(host);
        if (host !== 'dual.test') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        return TWO;
      },
    });
    const producer = new Producer(
      {
        'bootstrap.servers': `dual.test:${hung.port}`,
        'request.timeout.ms': 500,
        'reconnect.backoff.ms': 10,
        'reconnect.backoff.max.ms': 50,
        'enable.idempotence': false,
        acks: 1,
        'linger.ms': 0,
      },
      { runtime },
    );
    try {
      const md = await producer.send({ topic: 't', value: 'v' });
      expect(md.partition).toBe(0);
      expect(hung.connections()).toBeGreaterThanOrEqual(1); // it did try the hung address
      expect(good.connections()).toBeGreaterThanOrEqual(1);
      expect(lookups.every((h) => h === 'dual.test')).toBe(true);
    } finally {
      await producer.close({ timeoutMs: 1000 });
      await hung.close();
      await good.close();
    }
  }, 20_000);

  test('addresses rotate per attempt and the list is resolved again once exhausted; errors name name/ip:port', async () => {
    // Nothing listens on this port on either address: every attempt is refused.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let lookups = 0;
    const transport = new NodeTransport({ lookup: async () => (lookups++, TWO) });
    const errors: string[] = [];
    const pool = new ConnectionPool({ transport, reconnectBackoffMs: 1, reconnectBackoffMaxMs: 1, onDisconnect: (_id, reason) => errors.push(reason?.message ?? '') });
    pool.updateNodes([{ nodeId: 7, host: 'dual.test', port }]);
    try {
      for (let i = 0; i < 4; i++) {
        const before = errors.length;
        while (errors.length === before && !pool.ready(7)) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      pool.close();
    }
    expect(errors).toHaveLength(4);
    expect(errors[0]).toContain(`dual.test/127.0.0.1:${port}`);
    expect(errors[1]).toContain(`dual.test/127.0.0.2:${port}`);
    expect(errors[2]).toContain(`dual.test/127.0.0.1:${port}`);
    expect(errors[3]).toContain(`dual.test/127.0.0.2:${port}`);
    for (const e of errors) expect(e).toMatch(/ECONNREFUSED/);
    expect(lookups).toBe(2); // once per pass through the list (Java's currentAddress/moveToNextAddress)
  }, 20_000);

  test('a name that does not resolve is a connection failure naming the name and the reason', async () => {
    const transport = new NodeTransport({ lookup: async (h) => Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' })) });
    const pool = new ConnectionPool({ transport });
    pool.updateNodes([{ nodeId: 1, host: 'nowhere.test', port: 9092 }]);
    const error = await pool.awaitReady(1, 300).catch((e: Error) => e);
    pool.close();
    expect((error as Error).message).toMatch(/not ready within 300 ms: Couldn't resolve nowhere\.test .*ENOTFOUND/);
  });
});

describe("Node 20's happy-eyeballs AggregateError", () => {
  test('a real dual-address connect failure gets a reason built from the inner errors (its own message is empty)', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const error = await new Promise<Error>((resolve) => {
      const s = net.connect({
        host: 'dual.test',
        port,
        autoSelectFamily: true,
        lookup: ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
          cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }])) as never,
      });
      s.on('error', resolve);
    });
    expect(error.message).toBe(''); // what users saw: "Connection to dual.test:44611 failed: "
    const reason = describeError(error);
    expect(reason).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(reason).toContain(`ECONNREFUSED 127.0.0.2:${port}`);
  });

  test('the transport and the pool never report an empty reason, nor does the final TIMEOUT', async () => {
    expect(describeError(new AggregateError([], ''))).toBe('AggregateError');
    expect(describeError(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    // The connect-by-name path (a transport without resolve): a mute pool is given an AggregateError.
    const transport = {
      connect: () => Promise.reject(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:1'), { code: 'ECONNREFUSED' })], '')),
    };
    const pool = new ConnectionPool({ transport });
    pool.updateNodes([{ nodeId: 1, host: 'dual.test', port: 1 }]);
    const error = await pool.awaitReady(1, 100).catch((e: Error) => e);
    pool.close();
    expect((error as Error).message).toMatch(/not ready within 100 ms: Connection to node 1 \(dual\.test:1\) failed: connect ECONNREFUSED ::1:1/);
  });
});

describe('bootstrap.servers entries (Java HOST_PORT_PATTERN)', () => {
  test('`::1:9092` without brackets is host ::1 as in Java; brackets, schemes and port 0 as Java', () => {
    expect(parseHostPort('::1:9092')).toEqual({ host: '::1', port: 9092 });
    expect(parseHostPort('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
    expect(parseHostPort('fe80::1%eth0:9092')).toEqual({ host: 'fe80::1%eth0', port: 9092 });
    expect(parseHostPort('PLAINTEXT://broker-1:9092')).toEqual({ host: 'broker-1', port: 9092 });
    expect(parseHostPort('h:0')).toEqual({ host: 'h', port: 0 });
    for (const bad of ['h', 'h:', ':9092', 'h:99999', 'a b:1', 'h:-1']) expect(parseHostPort(bad)).toBeUndefined();
    expect(parseBootstrapServers(' ::1:9092 , [::1]:9093,b:1')).toEqual([
      { host: '::1', port: 9092 },
      { host: '::1', port: 9093 },
      { host: 'b', port: 1 },
    ]);
  });
});

describe('LookupLimiter', () => {
  test('one lookup per name at a time, at most N at once, queued ones dropped on abort', async () => {
    const started: string[] = [];
    const finish = new Map<string, (a: ResolvedAddress[]) => void>();
    const limiter = new LookupLimiter(
      (host) =>
        new Promise((resolve) => {
          started.push(host);
          finish.set(host, resolve);
        }),
      1,
    );
    const a1 = limiter.lookup('a');
    const a2 = limiter.lookup('a'); // shares the first
    const abort = new AbortController();
    const b = limiter.lookup('b', abort.signal).catch((e: Error) => e);
    const c = limiter.lookup('c');
    expect(started).toEqual(['a']);
    expect(limiter.queued).toBe(2);
    abort.abort(); // b never starts
    expect((await b) as Error).toBeInstanceOf(Error);
    finish.get('a')!(TWO);
    expect(await a1).toBe(await a2);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'c']);
    finish.get('c')!(TWO);
    await c;
    await new Promise((r) => setImmediate(r));
    expect(limiter.running).toBe(0);
  });
});
