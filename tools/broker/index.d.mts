// Types for tools/broker/index.mjs, so the TypeScript test helpers can import it under strict.

type Log = (msg: string) => void;

export interface KafkaNode {
  id: number;
  /** PLAINTEXT listener on 127.0.0.1. */
  port: number;
  controllerPort: number;
  /** Holds server.properties and data/ (removed by down). */
  dir: string;
  log: string;
  pid: number;
  alive?: boolean;
}

export interface KafkaState {
  kind: 'kafka';
  clusterId: string;
  root: string;
  /** `127.0.0.1:PORT,...` */
  bootstrap: string;
  startedAt: string;
  /** Started for lease holders (test runs, main job): the last release stops it. */
  managed?: boolean;
  nodes: KafkaNode[];
  alive?: boolean;
  /** true when `up` found the cluster already running. */
  reused?: boolean;
}

export interface MockState {
  kind: 'mock';
  pid: number;
  brokers: number;
  log: string;
  bootstrap: string;
  /** TCP port of the control channel on 127.0.0.1 (see tools/mock/mock-cluster.c). */
  controlPort: number;
  managed?: boolean;
  alive?: boolean;
  reused?: boolean;
}

export const REPO_ROOT: string;
export function stateDir(): string;
export function probeMetadata(
  host: string,
  port: number,
  timeoutMs?: number,
): Promise<{ controllerId: number; brokers: { id: number; host: string; port: number }[] }>;

/** lease: share the cluster with other lease holders; release with kafkaRelease(). */
export function kafkaUp(opts?: { brokers?: number; log?: Log; lease?: boolean }): Promise<KafkaState>;
/** Drop this process's lease; stops a managed cluster nobody else holds. Resolves true if stopped. */
export function kafkaRelease(): Promise<boolean>;
export function kafkaDown(): Promise<{ pids: number[]; killed: number[] } | null>;
export function kafkaStatus(): KafkaState | null;
export function kafkaPrepare(opts?: { log?: Log }): Promise<{ classpath: number; helpersJar: string }>;
export function kafkaClasspath(opts?: { log?: Log }): Promise<{ cp: string; argFile: string }>;
/** Runs tools/kafka/src/KafkaWireTool.java; resolves its stdout. */
export function javaTool(args: string[], opts?: { input?: string | Uint8Array }): Promise<Buffer>;
export function kafkaMain(
  mainClass: string,
  args: string[],
  opts?: { input?: string | Uint8Array },
): Promise<{ code: number | null; stdout: Buffer; stderr: string }>;

export function mockUp(opts?: { brokers?: number; log?: Log; lease?: boolean }): Promise<MockState>;
export function mockRelease(): Promise<boolean>;
export function mockDown(): Promise<{ pids: number[]; killed: number[] } | null>;
export function mockStatus(): MockState | null;
export function buildMock(opts?: { log?: Log }): string;
