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

export interface KfakeState {
  kind: 'kfake';
  pid: number;
  brokers: number;
  log: string;
  bootstrap: string;
  /** TCP port of the control channel on 127.0.0.1 (see tools/kfake/main.go). */
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
/** ApiVersions v0: apiKey -> supported version range. */
export function probeApiVersions(host: string, port: number, timeoutMs?: number): Promise<Map<number, { min: number; max: number }>>;

/** lease: share the cluster with other lease holders; release with kafkaRelease(). */
export function kafkaUp(opts?: { brokers?: number; log?: Log; lease?: boolean }): Promise<KafkaState>;
/** Drop this process's lease; stops a managed cluster nobody else holds. Resolves true if stopped. */
export function kafkaRelease(): Promise<boolean>;
export function kafkaDown(): Promise<{ pids: number[]; killed: number[] } | null>;
export function kafkaStatus(): KafkaState | null;
export function kafkaPrepare(opts?: { log?: Log }): Promise<{ classpath: number; helpersJar: string; mockClientJar: string }>;
export function kafkaClasspath(opts?: { log?: Log; pom?: string }): Promise<{ cp: string; argFile: string }>;
/** 'kafka': Kafka 4.x's Java client; 'mock': kafka-clients 2.3.1, which librdkafka's mock understands. */
export type JavaClient = 'kafka' | 'mock';
/** Runs tools/kafka/src/KafkaWireTool.java in a JVM of its own; resolves its stdout. */
export function javaTool(args: string[], opts?: { input?: string | Uint8Array; client?: JavaClient }): Promise<Buffer>;
/** Same, in this process's long-lived `KafkaWireTool serve` JVM (one per client kind). */
export function javaService(args: string[], opts?: { input?: string | Uint8Array; client?: JavaClient }): Promise<Buffer>;
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
/** Installs librdkafka-dev if missing and root, then builds the mock; throws with the reason. */
export function prepareMock(opts?: { log?: Log }): Promise<string>;

export function kfakeUp(opts?: { brokers?: number; log?: Log; lease?: boolean }): Promise<KfakeState>;
export function kfakeRelease(): Promise<boolean>;
export function kfakeDown(): Promise<{ pids: number[]; killed: number[] } | null>;
export function kfakeStatus(): KfakeState | null;
/** go build of tools/kfake into ~/.cache/kafka-wire/kfake (cached by source hash); resolves the binary's path, or throws (no Go, build failed). */
export function buildKfake(opts?: { log?: Log }): Promise<string>;
export function prepareKfake(opts?: { log?: Log }): Promise<string>;

/** null when librdkafka-dev is there (or was just installed), else why not. Never throws. */
export function ensureLibrdkafkaDev(opts?: { log?: Log }): Promise<string | null>;
/** A Bun binary (BUN_BIN, cached, or fetched once from npm), or why not. Never throws. */
export function ensureBun(opts?: { log?: Log }): Promise<{ bin: string; version: string; fetched: boolean } | { bin: null; reason: string }>;
/** ~/.cache/kafka-wire (or $XDG_CACHE_HOME/kafka-wire, $KAFKA_WIRE_USER_CACHE). */
export function userCacheDir(): string;
