// The broker the benchmark runs against, and topic housekeeping.
//
// KAFKA_BOOTSTRAP (or --bootstrap) reuses a running Kafka; otherwise one Apache Kafka node is
// started with the repository's broker tooling in its own state dir (bench/.state, or
// $KAFKA_WIRE_STATE_DIR), so it never touches a cluster the tests use, and stopped at the end.
// Topics are created (and deleted after each run) with KafkaJS's admin client, in this
// process, before the client under test starts: auto-creation is never timed.
import kafkajs from 'kafkajs';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './clients.mjs';

const { Kafka, logLevel } = kafkajs;

export async function ensureBroker({ bootstrap, log }) {
  if (bootstrap) return { bootstrap, started: false, stop: async () => {}, classpathArgFile: await classpath(log) };
  process.env.KAFKA_WIRE_STATE_DIR ??= path.join(BENCH_DIR, '.state');
  const tools = await import('../../tools/broker/index.mjs');
  const st = await tools.kafkaUp({ log: (m) => log(`[broker] ${m}`) });
  const classpathArgFile = await classpath(log);
  return {
    bootstrap: st.bootstrap,
    started: !st.reused,
    pid: st.nodes[0].pid,
    stop: async () => {
      if (!st.reused) await tools.kafkaDown();
    },
    classpathArgFile,
  };
}

async function classpath(log) {
  process.env.KAFKA_WIRE_STATE_DIR ??= path.join(BENCH_DIR, '.state');
  const tools = await import('../../tools/broker/index.mjs');
  const { argFile } = await tools.kafkaClasspath({ log: (m) => log(`[broker] ${m}`) });
  return argFile;
}

/** The Kafka release on the classpath (kafka-clients-X.jar). */
export function kafkaVersionFromClasspath(argFile) {
  try {
    const text = fs.readFileSync(argFile, 'utf8');
    const clients = /kafka-clients-([\d.]+[^/:"]*?)\.jar/.exec(text)?.[1];
    const tools = /kafka-tools-([\d.]+[^/:"]*?)\.jar/.exec(text)?.[1];
    const broker = /kafka_2\.1\d-([\d.]+[^/:"]*?)\.jar/.exec(text)?.[1];
    return { clients, tools, broker };
  } catch {
    return {};
  }
}

export class Topics {
  constructor(bootstrap) {
    this.admin = new Kafka({ clientId: 'bench-admin', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }).admin();
    this.seq = 0;
    this.prefix = `bench-${Date.now().toString(36)}`;
  }

  async connect() {
    await this.admin.connect();
  }

  async create(tag, partitions) {
    const topic = `${this.prefix}-${++this.seq}-${tag.replace(/[^a-zA-Z0-9._-]/g, '_')}`;
    await this.admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    return topic;
  }

  /** Records in the topic (sum of high watermarks: every topic starts empty). */
  async count(topic) {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.reduce((a, p) => a + Number(p.high), 0);
  }

  async delete(topic) {
    try {
      await this.admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    } catch {}
  }

  async close() {
    await this.admin.disconnect();
  }
}
