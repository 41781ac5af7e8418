#!/usr/bin/env node
// npm run broker -- up [--brokers N] [--mock | --kfake | --security | --kafka-version V]
//                 | down [--mock | --kfake | --kafka | --security | --kafka-version V]
//                 | status [--security] [--json]
//                 | create-topic NAME [--security | --kafka-version V] [--partitions P] [--replication-factor R] [--config k=v]...
//                 | prepare
//
// Progress goes to stderr; `up` ends stdout with `bootstrap.servers=HOST:PORT,...` (scripts take
// the last line); `up --security` prints one such line per listener, each after a comment line
// naming it, the PLAINTEXT one last. State lives in $KAFKA_WIRE_STATE_DIR or <repo>/.kafka-wire/.

import path from 'node:path';
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
  kafkaVersions,
  DEFAULT_KAFKA_VERSION,
  mockDown,
  mockStatus,
  mockUp,
  stateDir,
  secureDown,
  secureStatus,
  secureUp,
} from './index.mjs';

const USAGE = `usage: npm run broker -- <command>
  up [--brokers N] [--mock | --kfake | --security | --kafka-version V]
                              start Apache Kafka ${DEFAULT_KAFKA_VERSION} (KRaft) (or librdkafka's mock cluster, or
                              franz-go's kfake, built with Go) and print bootstrap.servers=...
                              as the last line; reuses a running one
                              --security: the secured Kafka (TLS, mTLS, SASL PLAIN/SCRAM/OAUTHBEARER,
                              ACLs; its own state dir and ports): one bootstrap.servers= line per
                              listener, a client properties file per listener and mechanism, and
                              description=FILE (JSON: listeners, users, passwords, files)
                              [--oauth-token-lifetime-s S] (default 3600) for its token endpoint
                              --kafka-version V: another Kafka beside the default one (${kafkaVersions().slice(1).join(', ')})
  down [--mock | --kfake | --kafka | --security | --kafka-version V]
                              stop what \`up\` started (all by default) and delete its data
  status [--security] [--json]
                              what runs, with pids, ports and log files
  create-topic NAME [--security | --kafka-version V] [--partitions P] [--replication-factor R] [--config k=v]...
                              create a topic on the running Kafka (Kafka's AdminClient)
  prepare                     resolve Kafka's jars (${kafkaVersions().join(', ')}), compile the Java helpers, the mock
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
      security: { type: 'boolean', default: false },
      'kafka-version': { type: 'string' },
      'oauth-token-lifetime-s': { type: 'string' },
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
      const version = values['kafka-version'];
      if (values.security && version !== undefined && version !== DEFAULT_KAFKA_VERSION) {
        throw new Error(`--security runs Kafka ${DEFAULT_KAFKA_VERSION} only; --kafka-version ${version} is for the plain cluster`);
      }
      if (values.security) {
        let tokenLifetimeS;
        if (values['oauth-token-lifetime-s'] !== undefined) {
          tokenLifetimeS = Number(values['oauth-token-lifetime-s']);
          if (!Number.isInteger(tokenLifetimeS) || tokenLifetimeS < 1) throw new Error(`--oauth-token-lifetime-s must be a positive integer, got ${values['oauth-token-lifetime-s']}`);
        }
        const d = await secureUp({ brokers, log, tokenLifetimeS });
        if (d.reused) log('secured Kafka already up');
        printSecure(d);
      } else if (values.kfake) {
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
        const st = await kafkaUp({ brokers, log, version });
        if (st.reused) log(`Kafka ${st.version ?? DEFAULT_KAFKA_VERSION} already up`);
        for (const nd of st.nodes) console.log(`broker ${nd.id}: 127.0.0.1:${nd.port} pid ${nd.pid} log ${nd.log}`);
        console.log(`bootstrap.servers=${st.bootstrap}`);
      }
      return 0;
    }

    case 'down': {
      const version = values['kafka-version'];
      const all = !values.mock && !values.kafka && !values.kfake && !values.security && version === undefined;
      const say = (what, r) => log(r ? `${what} stopped (pids ${r.pids.join(' ')}${r.killed.length ? `; SIGKILLed ${r.killed.join(' ')}` : ''})` : `${what} was not running`);
      if (all || values.kafka) say('Kafka', await kafkaDown());
      for (const v of all ? kafkaVersions().slice(1) : version !== undefined ? [version] : []) say(`Kafka ${v}`, await kafkaDown({ version: v }));
      if (all || values.security) say('secured Kafka', await secureDown());
      if (all || values.mock) say('mock cluster', await mockDown());
      if (all || values.kfake) say('kfake cluster', await kfakeDown());
      return 0;
    }

    case 'status': {
      if (values.security) {
        const d = secureStatus();
        if (values.json) console.log(JSON.stringify(d, null, 2));
        else if (!d) console.log('secured Kafka: down');
        else printSecure(d, { status: true });
        return 0;
      }
      const k = kafkaStatus();
      const others = kafkaVersions()
        .slice(1)
        .map((v) => [v, kafkaStatus({ version: v })]);
      const sec = secureStatus();
      const m = mockStatus();
      const f = kfakeStatus();
      if (values.json) {
        console.log(JSON.stringify({ stateDir: stateDir(), kafka: k, ...Object.fromEntries(others.map(([v, st]) => [`kafka-${v}`, st])), secure: sec, mock: m, kfake: f }, null, 2));
        return 0;
      }
      console.log(`state dir: ${stateDir()}`);
      for (const [label, st] of [[`kafka (${DEFAULT_KAFKA_VERSION})`, k], ...others.map(([v, st]) => [`kafka ${v} (--kafka-version ${v})`, st])]) {
        if (!st) {
          console.log(`${label}: down`);
          continue;
        }
        console.log(`${label}: ${st.alive ? 'up' : 'STALE (some nodes died; run down)'}  bootstrap.servers=${st.bootstrap}  since ${st.startedAt}`);
        for (const nd of st.nodes) {
          console.log(`  node ${nd.id}: ${nd.alive ? 'running' : 'dead'}  pid ${nd.pid}  port ${nd.port}  controller ${nd.controllerPort}  log ${nd.log}`);
        }
      }
      if (!sec) console.log('secured kafka (--security): down');
      else {
        console.log(`secured kafka (--security): ${sec.alive ? 'up' : 'STALE (a node or the token endpoint died; run down --security)'}  since ${sec.startedAt}  description ${sec.description}`);
        console.log('  (status --security lists its listeners)');
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
      let bootstrap;
      if (values.security) {
        const d = secureStatus();
        if (!d?.alive) throw new Error('the secured Kafka is not up (npm run broker -- up --security)');
        bootstrap = d.listeners.PLAINTEXT.bootstrap; // ANONYMOUS on PLAINTEXT is a super user
      } else {
        const version = values['kafka-version'];
        const k = kafkaStatus({ version });
        if (!k?.alive) throw new Error(`Kafka${version ? ` ${version}` : ''} is not up (npm run broker -- up${version ? ` --kafka-version ${version}` : ''})`);
        bootstrap = k.bootstrap;
      }
      const args = ['create-topic', '--bootstrap', bootstrap, '--topic', name, '--partitions', values.partitions, '--replication-factor', values['replication-factor']];
      for (const c of values.config) args.push('--config', c);
      process.stdout.write(await javaTool(args));
      return 0;
    }

    case 'prepare': {
      const k = await kafkaPrepare({ log, allVersions: true });
      log(`Kafka classpath: ${k.classpath} jars; helpers: ${k.helpersJar}`);
      for (const [v, jar] of Object.entries(k.versions)) log(`Kafka ${v} (--kafka-version): ${jar}`);
      log(`mock cluster: ${await prepareMock({ log })}`);
      log(`kfake: ${await prepareKfake({ log })}`);
      return 0;
    }

    default:
      console.error(USAGE);
      return 2;
  }
}

/**
 * The secured cluster on stdout: its description file, then per listener a comment line (name,
 * protocol, mechanisms, properties files) and its `bootstrap.servers=` line; PLAINTEXT last, so
 * a script taking the last line gets a working (admin) bootstrap as with the plain cluster.
 */
function printSecure(d, { status = false } = {}) {
  if (status) {
    console.log(`secured Kafka ${d.version}: ${d.alive ? 'up' : 'STALE (a node or the token endpoint died; run down --security)'}  since ${d.startedAt}`);
    for (const nd of d.nodes ?? []) console.log(`# node ${nd.id}: ${nd.alive ? 'running' : 'dead'}  pid ${nd.pid}  log ${nd.log}`);
    for (const sv of d.services ?? []) console.log(`# ${sv.name}: ${sv.alive ? 'running' : 'dead'}  pid ${sv.pid}  log ${sv.log}`);
  }
  if (!d.listeners) return;
  console.log(`description=${d.description}`);
  console.log(`# users (passwords in the description): ${Object.keys(d.users).join(', ')}; OAuth token endpoint ${d.oauth.tokenEndpoint}`);
  const names = Object.keys(d.listeners).filter((n) => n !== 'PLAINTEXT');
  for (const name of [...names, 'PLAINTEXT']) {
    const l = d.listeners[name];
    const files = l.clientConfigs ? Object.values(l.clientConfigs) : [l.clientConfig];
    console.log(`# ${name} (${l.securityProtocol}): ${l.about}; ${files.map((f) => path.basename(f)).join(' ')}`);
    console.log(`bootstrap.servers=${l.bootstrap}`);
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
