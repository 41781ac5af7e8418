// A private kfake cluster for one test file (tools/kfake/main.go: franz-go's kfake, an
// independent Kafka implementation in Go that checks idempotent sequences as Kafka does) and a
// client for its control channel: one TCP connection, one command line out, one reply line
// ("OK [value]" or "ERR message") back. The command set mirrors the mock's
// (test/helpers/mock-cluster.ts) where kfake can do it; see tools/kfake/main.go.
//
// Differences from the mock a test must know:
// - Node ids are 0..N-1 (the mock's are 1..N).
// - kfake keeps one copy of each partition: a replication factor is accepted and ignored, and a
//   leader move changes who answers, not what is stored (the producer state moves with it).
// - Errors pushed with pushRequestErrors/failRequests are answered before kfake acts on the
//   request (nothing appended). afterAppend() answers a Produce that kfake did append with an
//   error (what Kafka does with NOT_LEADER_OR_FOLLOWER when leadership moves while it waits for
//   replicas), or drops the connection instead of answering it; delay() answers late what was
//   handled at once (a Produce appended, then answered after request.timeout.ms).
// - It has no leaderless partition (setLeader needs a node) and no API version narrowing at run
//   time.
//
// The binary is built by tools/broker/kfake.mjs (`go build`, cached in ~/.cache/kafka-wire/kfake).

import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { LineControl } from './control-channel.js';
import { buildKfake } from '../../tools/broker/index.mjs';

export { ApiKey, ErrorCode } from './mock-cluster.js';

/** -1 addresses every broker in broker-level commands. */
export const ALL_BROKERS = -1;

export class KfakeControl extends LineControl {
  private constructor(socket: net.Socket) {
    super(socket, 'kfake');
  }

  static connect(port: number, host = '127.0.0.1'): Promise<KfakeControl> {
    return LineControl.open(port, host, (s) => new KfakeControl(s));
  }
  // Inherited: createTopic (the replication factor is ignored: kfake keeps one copy),
  // pushRequestErrors / failRequests (answered before kfake acts on the request;
  // ErrorCode.TRANSPORT closes the connection instead), clearRequestErrors (also drops
  // afterAppend and delay).
  /** Node ids, in broker order. */
  async brokers(): Promise<number[]> {
    return (await this.command('BROKERS')).split(',').map(Number);
  }
  /** Per broker (checked before the cluster-wide list): each request held holdMs, then answered with error (0: handled normally). */
  async brokerPushRequestErrors(brokerId: number, apiKey: number, errors: { error: number; holdMs?: number }[]): Promise<void> {
    await this.command('BROKER_PUSH_ERRORS', brokerId, apiKey, ...errors.map((e) => `${e.error}:${e.holdMs ?? 0}`));
  }
  /** Pushed errors left for apiKey on a broker (ALL_BROKERS: the cluster-wide list). */
  async errorCount(brokerId: number, apiKey: number): Promise<number> {
    return Number(await this.command('ERROR_COUNT', brokerId, apiKey));
  }
  /**
   * The next `count` Produce requests (to brokerId, or any) are appended by kfake, then every
   * partition it answered without error is answered with `error` instead (offset -1);
   * ErrorCode.TRANSPORT closes the connection instead of answering.
   */
  async afterAppend(brokerId: number, count: number, error: number): Promise<void> {
    await this.command('AFTER_APPEND', brokerId, count, error);
  }
  /** The next `count` answers of apiKey (from brokerId, or any) are written `ms` late; the requests were handled at once. */
  async delay(brokerId: number, apiKey: number, count: number, ms: number): Promise<void> {
    await this.command('DELAY', brokerId, apiKey, count, ms);
  }
  /** Delay every answer of the broker by ms (0 clears). */
  async setRtt(brokerId: number, ms: number): Promise<void> {
    await this.command('RTT', brokerId, ms);
  }
  /** Error reported for the topic in Metadata answers (0 clears). */
  async setTopicError(topic: string, error: number): Promise<void> {
    await this.command('TOPIC_ERROR', topic, error);
  }
  /** Close the broker's current connections; it keeps accepting new ones. */
  async disconnect(brokerId: number = ALL_BROKERS): Promise<void> {
    await this.command('DISCONNECT', brokerId);
  }
  /** Close the broker's connections and close every new one at once (no leader change). */
  async brokerDown(brokerId: number): Promise<void> {
    await this.command('BROKER_DOWN', brokerId);
  }
  async brokerUp(brokerId: number): Promise<void> {
    await this.command('BROKER_UP', brokerId);
  }
  /** Move a partition's leader (its leader epoch grows). */
  async setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.command('LEADER', topic, partition, brokerId);
  }
  async leaderOf(topic: string, partition: number): Promise<number> {
    return Number(await this.command('LEADER_OF', topic, partition));
  }
  /** Every partition of every topic gets a random leader (epochs grow). */
  async shuffleLeaders(): Promise<void> {
    await this.command('SHUFFLE_LEADERS');
  }

  close(): void {
    this.socket.end();
  }
}

/** A private kfake cluster owned by one test file: its own process, killed by stop(). */
export class KfakeCluster {
  private constructor(
    private readonly child: ChildProcess,
    readonly bootstrap: string,
    readonly control: KfakeControl,
    readonly brokers: number,
  ) {}

  /** Builds the binary if needed (go build; the first build on a machine downloads kfake). */
  static async start(opts: { brokers?: number; log?: (msg: string) => void } = {}): Promise<KfakeCluster> {
    const bin = await buildKfake({ log: opts.log });
    const brokers = opts.brokers ?? 3;
    // stdin is a pipe we never write: if this worker dies without stop(), kfake sees EOF and exits.
    const child = spawn(bin, ['--brokers', String(brokers), '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    const ready = await new Promise<{ bootstrap: string; port: number }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`kfake did not print READY within 15 s: ${stderr}`)), 15_000);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (d: string) => {
        out += d;
        const m = /^READY bootstrap=(\S+) control=(\d+)/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ bootstrap: m[1]!, port: Number(m[2]) });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kfake exited with ${code} before READY: ${stderr}`));
      });
      child.once('error', reject);
    }).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    const control = await KfakeControl.connect(ready.port);
    return new KfakeCluster(child, ready.bootstrap, control, brokers);
  }

  async stop(): Promise<void> {
    this.control.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
