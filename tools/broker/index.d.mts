// Types for tools/broker/index.mjs, so the TypeScript test helpers can import it under strict.

type Log = (msg: string) => void;

export interface KafkaNode {
  id: number;
  /** PLAINTEXT listener on 127.0.0.1. */
  port: number;
  controllerPort: number;
  /** Ports of the listeners beyond PLAINTEXT (the secured cluster's), by listener name. */
  ports?: Record<string, number>;
  /** Holds server.properties and data/ (removed by down). */
  dir: string;
  log: string;
  pid: number;
  alive?: boolean;
}

export interface KafkaState {
  kind: 'kafka';
  /** The Kafka version the nodes run (tools/kafka/pom.xml's, or --kafka-version's). */
  version?: string;
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

/** SASL mechanisms of the secured cluster's SASL listeners. */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

/** Listener names of the secured cluster (tools/broker/secure.mjs LISTENERS documents each). */
export type SecureListenerName =
  | 'PLAINTEXT'
  | 'SSL'
  | 'MTLS'
  | 'SSL_WRONG_HOST'
  | 'SSL_UNTRUSTED'
  | 'SASL_PLAINTEXT'
  | 'SASL_SSL'
  | 'SASL_PLAINTEXT_REAUTH'
  | 'SASL_SSL_REAUTH';

export interface SecureListener {
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** `127.0.0.1:PORT,...`, one entry per broker. */
  bootstrap: string;
  ports: number[];
  about: string;
  /** TLS listeners: 'none' or 'required' (MTLS). */
  clientAuth?: 'none' | 'required';
  /** What the broker presents: its SANs, and the issuer when it is not the trusted CA. */
  certificate?: { sans: string[]; issuer?: string };
  /** The error listeners: what a client configured from the listener's file meets. */
  expect?: string;
  /** MTLS: the principal the client certificate maps to. */
  principal?: string;
  /** SASL listeners. */
  mechanisms?: SaslMechanism[];
  /** SASL listeners: connections.max.reauth.ms (KIP-368), null when not set. */
  reauthMs?: number | null;
  /** Java client properties file (listeners without SASL). */
  clientConfig?: string;
  /** Java client properties file per mechanism (SASL listeners; as alice, or OAuth client kafka-wire-client). */
  clientConfigs?: Record<SaslMechanism, string>;
}

/** The secured cluster as <state>/secure/description.json describes it. */
export interface SecureClusterDescription {
  kind: 'kafka-secure';
  version: string;
  clusterId: string;
  stateDir: string;
  startedAt: string;
  /** Path of description.json. */
  description: string;
  brokers: { id: number; pid: number; log: string; ports: Record<SecureListenerName | 'CONTROLLER', number> }[];
  listeners: Record<SecureListenerName, SecureListener>;
  /** SASL users (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512): admin, alice, bob, limited, nowrite. */
  users: Record<'admin' | 'alice' | 'bob' | 'limited' | 'nowrite', { principal: string; password: string; mechanisms: SaslMechanism[]; rights: string }>;
  mtls: { principal: string; rights: string };
  oauth: {
    issuer: string;
    audience: string;
    scope: string;
    tokenEndpoint: string;
    jwksEndpoint: string;
    /** GET: {"tokens":{"<client id>":N},"refused":N} */
    statsEndpoint: string;
    pid: number;
    log: string;
    /** The JVM system property a Java client needs the token endpoint in (Kafka 4). */
    allowedUrlsProperty: string;
    /** `-D<allowedUrlsProperty>=<tokenEndpoint>` */
    javaOption: string;
    clients: Record<string, { principal: string; secret: string; lifetimeS: number; rights: string; about: string }>;
  };
  /** The certificate material (paths); `password` opens the PKCS12/JKS stores and the encrypted keys. */
  tls: {
    password: string;
    ca: { pem: string; key: string; p12: string; jks: string };
    broker: { cert: string; key: string; keystorePem: string; sans: string[] };
    wrongHost: { keystorePem: string; sans: string[] };
    client: {
      cn: string;
      cert: string;
      chain: string;
      key: string;
      /** PBE-SHA1-3DES (Java 17 reads it). */
      encryptedKey: string;
      /** PBES2 / AES-256-CBC (Java 17 does not read it). */
      encryptedKeyPbes2: string;
      keystorePem: string;
      p12: string;
      jks: string;
    };
    untrustedCa: { pem: string; key: string };
    untrustedBroker: { keystorePem: string };
    untrustedClient: { cn: string; cert: string; chain: string; key: string; keystorePem: string; p12: string };
  };
  acls: { principal: string; resourceType: string; name: string; pattern: string; operation: string }[];
}

export interface SecureClusterState extends SecureClusterDescription {
  reused?: boolean;
  managed?: boolean;
  alive?: boolean;
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

/** tools/kafka/pom.xml's Kafka version: what `up` runs without --kafka-version. */
export const DEFAULT_KAFKA_VERSION: string;
/** The versions `up --kafka-version` takes, the default first. */
export function kafkaVersions(): string[];
/**
 * lease: share the cluster with other lease holders; release with kafkaRelease().
 * version: another Kafka (kafkaVersions()) in a state dir and on ports of its own.
 */
export function kafkaUp(opts?: { brokers?: number; log?: Log; lease?: boolean; version?: string }): Promise<KafkaState>;
/** Drop this process's lease; stops a managed cluster nobody else holds. Resolves true if stopped. */
export function kafkaRelease(opts?: { version?: string }): Promise<boolean>;
export function kafkaDown(opts?: { version?: string }): Promise<{ pids: number[]; killed: number[] } | null>;
export function kafkaStatus(opts?: { version?: string }): KafkaState | null;

/** The secured cluster (tools/broker/secure.mjs); `lease` as for kafkaUp. */
export function secureUp(opts?: { brokers?: number; log?: Log; lease?: boolean; tokenLifetimeS?: number }): Promise<SecureClusterState>;
export function secureRelease(): Promise<boolean>;
export function secureDown(): Promise<{ pids: number[]; killed: number[] } | null>;
export function secureStatus(): (Partial<SecureClusterDescription> & { nodes: KafkaNode[]; alive: boolean; managed: boolean; startedAt: string }) | null;
/** <state>/secure */
export function secureDir(): string;
/** allVersions: also resolve the --kafka-version brokers (versions: version -> its helper jar). */
export function kafkaPrepare(opts?: { log?: Log; allVersions?: boolean }): Promise<{ classpath: number; helpersJar: string; mockClientJar: string; versions: Record<string, string> }>;
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
