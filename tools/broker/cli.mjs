#!/usr/bin/env node
// npm run broker -- up [--brokers N] [--mock | --kfake] | down [--mock | --kfake | --kafka] | status [--json]
//                 | create-topic NAME [--partitions P] [--replication-factor R] [--config k=v]...
//                 | prepare
//
// Progress goes to stderr; `up` ends stdout with `bootstrap.servers=HOST:PORT,...` (scripts take
// the last line). State lives in $KAFKA_WIRE_STATE_DIR or <repo>/.kafka-wire/.

import { parseArgs } from 'node:util';
import {
  prepareMock,
  prepareKfake,
  kfakeDown,
  kfakeStatus,
  kfakeUp,
  javaTool,
  kafkaDown,
  kafkaPrepare,
  kafkaStatus,
  kafkaUp,
  mockDown,
  mockStatus,
  mockUp,
  stateDir,
} from './index.mjs';

const USAGE = `usage: npm run broker -- <command>
  up [--brokers N] [--mock | --kfake]
                              start Apache Kafka (KRaft) (or librdkafka's mock cluster, or
                              franz-go's kfake, built with Go) and print bootstrap.servers=...
                              as the last line; reuses a running one
  down [--mock | --kfake | --kafka]
                              stop what \`up\` started (all by default) and delete its data
  status [--json]             what runs, with pids, ports and log files
  create-topic NAME [--partitions P] [--replication-factor R] [--config k=v]...
                              create a topic on the running Kafka (Kafka's AdminClient)
  prepare                     resolve Kafka's jars, compile the Java helpers, the mock
                              cluster and kfake (go build) now (what \`up\` would do on first use; installs
                              librdkafka-dev with apt-get if it is missing and we are root)
state dir: ${'$'}KAFKA_WIRE_STATE_DIR or <repo>/.kafka-wire/`;

const log = (msg) => process.stderr.write(`[broker] ${msg}\n`);

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string' },
      mock: { type: 'boolean', default: false },
      kfake: { type: 'boolean', default: false },
      kafka: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      partitions: { type: 'string', default: '1' },
      'replication-factor': { type: 'string', default: '1' },
      config: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }

  switch (cmd) {
    case 'up': {
      let brokers;
      if (values.brokers !== undefined) {
        brokers = Number(values.brokers);
        if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) throw new Error(`--brokers must be 1..9, got ${values.brokers}`);
      }
      if (values.kfake) {
        const st = await kfakeUp({ brokers, log });
        if (st.reused) log('kfake cluster already up');
        console.log(`log=${st.log}`);
        console.log(`control=127.0.0.1:${st.controlPort}`);
        console.log(`bootstrap.servers=${st.bootstrap}`);
      } else if (values.mock) {
        const st = await mockUp({ brokers, log });
        if (st.reused) log('mock cluster already up');
        console.log(`log=${st.log}`);
        console.log(`control=127.0.0.1:${st.controlPort}`);
        console.log(`bootstrap.servers=${st.bootstrap}`);
      } else {
        const st = await kafkaUp({ brokers, log });
        if (st.reused) log('Kafka already up');
        for (const nd of st.nodes) console.log(`broker ${nd.id}: 127.0.0.1:${nd.port} pid ${nd.pid} log ${nd.log}`);
        console.log(`bootstrap.servers=${st.bootstrap}`);
      }
      return 0;
    }

    case 'down': {
      const both = !values.mock && !values.kafka && !values.kfake;
      if (both || values.kafka) {
        const r = await kafkaDown();
        log(r ? `Kafka stopped (pids ${r.pids.join(' ')}${r.killed.length ? `; SIGKILLed ${r.killed.join(' ')}` : ''})` : 'Kafka was not running');
      }
      if (both || values.mock) {
        const r = await mockDown();
        log(r ? `mock cluster stopped (pid ${r.pids.join(' ')})` : 'mock cluster was not running');
      }
      if (both || values.kfake) {
        const r = await kfakeDown();
        log(r ? `kfake cluster stopped (pid ${r.pids.join(' ')})` : 'kfake cluster was not running');
      }
      return 0;
    }

    case 'status': {
      const k = kafkaStatus();
      const m = mockStatus();
      const f = kfakeStatus();
      if (values.json) {
        console.log(JSON.stringify({ stateDir: stateDir(), kafka: k, mock: m, kfake: f }, null, 2));
        return 0;
      }
      console.log(`state dir: ${stateDir()}`);
      if (!k) console.log('kafka: down');
      else {
        console.log(`kafka: ${k.alive ? 'up' : 'STALE (some nodes died; run down)'}  bootstrap.servers=${k.bootstrap}  since ${k.startedAt}`);
        for (const nd of k.nodes) {
          console.log(`  node ${nd.id}: ${nd.alive ? 'running' : 'dead'}  pid ${nd.pid}  port ${nd.port}  controller ${nd.controllerPort}  log ${nd.log}`);
        }
      }
      if (!m) console.log('mock: down');
      else {
        console.log(`mock: ${m.alive ? 'up' : 'STALE (process died; run down --mock)'}  bootstrap.servers=${m.bootstrap}  control=127.0.0.1:${m.controlPort}  pid ${m.pid}  log ${m.log}`);
      }
      if (!f) console.log('kfake: down');
      else {
        console.log(`kfake: ${f.alive ? 'up' : 'STALE (process died; run down --kfake)'}  bootstrap.servers=${f.bootstrap}  control=127.0.0.1:${f.controlPort}  pid ${f.pid}  log ${f.log}`);
      }
      return 0;
    }

    case 'create-topic': {
      const [name] = rest;
      if (!name) throw new Error('create-topic needs a topic name');
      const k = kafkaStatus();
      if (!k?.alive) throw new Error('Kafka is not up (npm run broker -- up)');
      const args = ['create-topic', '--bootstrap', k.bootstrap, '--topic', name, '--partitions', values.partitions, '--replication-factor', values['replication-factor']];
      for (const c of values.config) args.push('--config', c);
      process.stdout.write(await javaTool(args));
      return 0;
    }

    case 'prepare': {
      const k = await kafkaPrepare({ log });
      log(`Kafka classpath: ${k.classpath} jars; helpers: ${k.helpersJar}`);
      log(`mock cluster: ${await prepareMock({ log })}`);
      log(`kfake: ${await prepareKfake({ log })}`);
      return 0;
    }

    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`[broker] ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  },
);
