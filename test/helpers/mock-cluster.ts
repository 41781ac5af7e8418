// A client for the control channel of librdkafka's mock cluster (tools/mock/mock-cluster.c):
// one TCP connection, one command line out, one reply line ("OK [value]" or "ERR message") back.
//
// Two ways to get a mock cluster:
//  - mockControl(): the run's shared mock (started by global-setup). Its faults are
//    cluster-wide and test files run in parallel, so use it only for things that cannot disturb
//    other files (creating your own topics, reading state).
//  - MockCluster.start({ brokers }): a private mock for one test file (~50 ms to start); use this
//    for fault injection (failed requests, brokers down, RTT, leader moves).
//
// What the mock cannot do (librdkafka 2.0.x): it speaks old API versions only (Produce <= v7,
// Metadata <= v2 in our checks), does not verify CRCs, validates idempotent sequences only for
// transactional producers, has no CreateTopics API (use createTopic here), and has no "drop
// connections" call: disconnect() is broker down + up, and pushing ErrorCode.TRANSPORT makes the
// broker close the connection instead of answering one request.

import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { LineControl } from './control-channel.js';
import { inject } from 'vitest';
import { buildMock } from '../../tools/broker/index.mjs';

/** Kafka API keys the tests inject faults into. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  SyncGroup: 14,
  ApiVersions: 18,
  CreateTopics: 19,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  EndTxn: 26,
} as const;

/** Kafka error codes (and librdkafka's local TRANSPORT, which makes the mock drop the connection). */
export const ErrorCode = {
  TRANSPORT: -195,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_VERSION: 35,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  UNKNOWN_PRODUCER_ID: 59,
  KAFKA_STORAGE_ERROR: 56,
  FENCED_LEADER_EPOCH: 74,
  THROTTLING_QUOTA_EXCEEDED: 89,
} as const;

/** -1 addresses every broker in broker-level commands. */
export const ALL_BROKERS = -1;

export class MockClusterControl extends LineControl {
  private constructor(socket: net.Socket) {
    super(socket, 'mock cluster');
  }

  static connect(port: number, host = '127.0.0.1'): Promise<MockClusterControl> {
    return LineControl.open(port, host, (s) => new MockClusterControl(s));
  }
  /** Per-broker errors, each answered after rttMs (takes precedence over cluster-level errors). */
  async brokerPushRequestErrors(brokerId: number, apiKey: number, errors: { error: number; rttMs?: number }[]): Promise<void> {
    await this.command('BROKER_PUSH_ERRORS', brokerId, apiKey, ...errors.map((e) => `${e.error}:${e.rttMs ?? 0}`));
  }
  /** Errors still queued on a broker's per-broker stack for apiKey. */
  async brokerErrorCount(brokerId: number, apiKey: number): Promise<number> {
    return Number(await this.command('ERROR_COUNT', brokerId, apiKey));
  }
  /** Error reported for the topic in Metadata responses (0 clears). */
  async setTopicError(topic: string, error: number): Promise<void> {
    await this.command('TOPIC_ERROR', topic, error);
  }
  /** Close the broker's connections and refuse new ones (no leader change). */
  async brokerDown(brokerId: number): Promise<void> {
    await this.command('BROKER_DOWN', brokerId);
  }
  async brokerUp(brokerId: number): Promise<void> {
    await this.command('BROKER_UP', brokerId);
  }
  /** Close the broker's current connections; it keeps accepting new ones. */
  async disconnect(brokerId: number = ALL_BROKERS): Promise<void> {
    await this.command('DISCONNECT', brokerId);
  }
  /** Delay every response of the broker by ms. */
  async setRtt(brokerId: number, ms: number): Promise<void> {
    await this.command('RTT', brokerId, ms);
  }
  async setRack(brokerId: number, rack: string): Promise<void> {
    await this.command('RACK', brokerId, rack);
  }
  /** Move a partition's leader (-1: leaderless). Creates the topic if needed. */
  async setLeader(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.command('LEADER', topic, partition, brokerId);
  }
  async setFollower(topic: string, partition: number, brokerId: number): Promise<void> {
    await this.command('FOLLOWER', topic, partition, brokerId);
  }
  async setCoordinator(type: 'transaction' | 'group', key: string, brokerId: number): Promise<void> {
    await this.command('COORDINATOR', type, key, brokerId);
  }
  /** Restrict the versions the mock advertises for apiKey (-1, -1 disables the API). */
  async setApiVersion(apiKey: number, min: number, max: number): Promise<void> {
    await this.command('APIVERSION', apiKey, min, max);
  }

  close(): void {
    this.socket.end();
  }
}

/** Connect to the run's shared mock cluster, or null when it is not available (test should skip). */
export async function mockControl(): Promise<MockClusterControl | null> {
  let port = 0;
  try {
    port = inject('mockControlPort') ?? 0;
  } catch {
    port = Number(process.env.KAFKA_WIRE_MOCK_CONTROL_PORT ?? 0);
  }
  return port ? MockClusterControl.connect(port) : null;
}

/** A private mock cluster owned by one test file: its own process, killed by stop(). */
export class MockCluster {
  private constructor(
    private readonly child: ChildProcess,
    readonly bootstrap: string,
    readonly control: MockClusterControl,
    readonly brokers: number,
  ) {}

  static async start(opts: { brokers?: number } = {}): Promise<MockCluster> {
    const bin = buildMock();
    const brokers = opts.brokers ?? 1;
    // stdin is a pipe we never write: if this worker dies without stop(), the mock sees EOF and exits.
    const child = spawn(bin, ['--brokers', String(brokers), '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const ready = await new Promise<{ bootstrap: string; port: number }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('mock-cluster did not print READY within 10 s')), 10_000);
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
        reject(new Error(`mock-cluster exited with ${code} before READY`));
      });
      child.once('error', reject);
    }).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw e;
    });
    const control = await MockClusterControl.connect(ready.port);
    return new MockCluster(child, ready.bootstrap, control, brokers);
  }

  async stop(): Promise<void> {
    this.control.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
