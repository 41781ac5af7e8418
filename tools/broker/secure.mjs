// The secured test cluster (`npm run broker -- up --security [--brokers N]`): Kafka 4.4 with TLS,
// mutual TLS, SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER), re-authentication
// (KIP-368) and ACLs (StandardAuthorizer), for the client's security support to be tested
// against. It runs beside the plain cluster, in a state dir of its own:
//
//   <state>/secure/kafka.json          nodes, ports, the token endpoint's pid (kafka.mjs's layout)
//   <state>/secure/description.json    what tests read (secureCluster() in test/helpers/secure-cluster.ts):
//                                      listeners, ports, users and passwords, files
//   <state>/secure/clients/*.properties  a Java client properties file per listener and mechanism
//   <state>/secure/tls/                the throwaway CAs, certificates and stores (tools/broker/certs.mjs)
//   <state>/secure/run/                node dirs: server.properties (it holds the PLAIN passwords), data
//   <state>/secure/oauth.json          the token endpoint's clients and secrets
//   <state>/secure/logs/               kafka-node-N.log, oauth.log (kept after `down`)
// Everything but logs/ is made fresh by every start (new CA, new passwords) and removed by
// `down`; secrets are written only here, mode 0600 in 0700 directories.
//
// Listeners of every broker, each on its own port on 127.0.0.1 (LISTENERS below documents each):
// PLAINTEXT (inter-broker, ANONYMOUS = super user), SSL, MTLS, SSL_WRONG_HOST, SSL_UNTRUSTED,
// SASL_PLAINTEXT, SASL_SSL, SASL_PLAINTEXT_REAUTH, SASL_SSL_REAUTH; CONTROLLER stays plaintext.
//
// Start: certificates (openssl, ~0.1 s) and the token endpoint (tools/oauth/server.mjs, which
// the brokers fetch their JWKS from at startup) first; then the brokers, and beside them one JVM
// (tools/kafka/src/KafkaWireSecure.java) that writes the PKCS12/JKS stores, creates the ACLs and
// checks that every listener of every broker accepts an authenticated client built from the
// properties files this module wrote. `up` returns when all of that passed.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, freePorts, isAlive, readJson, sleep, stopProcesses, tail, writeJson } from './common.mjs';
import { makeCertificates, storeSpecs } from './certs.mjs';
import { javaHelperMain } from './java.mjs';
import { DEFAULT_KAFKA_VERSION, clusterDir, clusterDown, clusterRelease, clusterStatus, clusterUp } from './kafka.mjs';

export const SECURE_SUB_DIR = 'secure';
const OAUTH_SERVER = path.join(REPO_ROOT, 'tools', 'oauth', 'server.mjs');

/** KIP-368 re-authentication interval of the *_REAUTH listeners: a one-minute test sees ~6. */
const REAUTH_MS = Number(process.env.KAFKA_WIRE_SECURE_REAUTH_MS ?? 10_000);
if (!Number.isInteger(REAUTH_MS) || REAUTH_MS < 1) throw new Error(`KAFKA_WIRE_SECURE_REAUTH_MS must be a positive integer (ms), got ${process.env.KAFKA_WIRE_SECURE_REAUTH_MS}`);

export const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
const SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/**
 * The client listeners beyond PLAINTEXT. `tls` names the certificate the broker presents
 * (certs.mjs); `expect` says what a client configured from the listener's properties file meets.
 */
export const LISTENERS = [
  { name: 'SSL', protocol: 'SSL', tls: 'broker', clientAuth: 'none', about: 'TLS, server certificate only (principal ANONYMOUS, a super user)' },
  { name: 'MTLS', protocol: 'SSL', tls: 'broker', clientAuth: 'required', about: 'mutual TLS: a client certificate of the CA is required; CN=mtls-client maps to User:mtls-client' },
  {
    name: 'SSL_WRONG_HOST',
    protocol: 'SSL',
    tls: 'wrongHost',
    clientAuth: 'none',
    about: 'TLS with a certificate of the trusted CA naming only DNS:wrong.example',
    expect: 'hostname verification fails (127.0.0.1 / localhost are not in the certificate); works with ssl.endpoint.identification.algorithm= (empty)',
  },
  {
    name: 'SSL_UNTRUSTED',
    protocol: 'SSL',
    tls: 'untrustedBroker',
    clientAuth: 'none',
    about: 'TLS with a certificate (localhost, 127.0.0.1) signed by the untrusted CA',
    expect: 'certificate chain not trusted; works with the untrusted CA as trust store',
  },
  { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', mechanisms: MECHANISMS, about: 'SASL without TLS, no re-authentication' },
  { name: 'SASL_SSL', protocol: 'SASL_SSL', tls: 'broker', mechanisms: MECHANISMS, about: 'SASL over TLS, no re-authentication' },
  { name: 'SASL_PLAINTEXT_REAUTH', protocol: 'SASL_PLAINTEXT', mechanisms: MECHANISMS, reauthMs: REAUTH_MS, about: `SASL without TLS, re-authentication every ${REAUTH_MS} ms (KIP-368)` },
  // Fewer mechanisms on purpose: a client asking for PLAIN here meets UNSUPPORTED_SASL_MECHANISM.
  { name: 'SASL_SSL_REAUTH', protocol: 'SASL_SSL', tls: 'broker', mechanisms: ['SCRAM-SHA-512', 'OAUTHBEARER'], reauthMs: REAUTH_MS, about: `SASL over TLS (SCRAM-SHA-512 and OAUTHBEARER only), re-authentication every ${REAUTH_MS} ms (KIP-368)` },
];

/** SASL users (PLAIN and both SCRAMs, one password each) and what the ACLs let them do. */
const USERS = {
  admin: 'super user (super.users)',
  alice: 'ALL on every topic, group and transactional id',
  bob: 'no ACLs: authenticates, is authorized for nothing',
  limited: 'WRITE, DESCRIBE, CREATE on topics prefixed limited-; IDEMPOTENT_WRITE on the cluster',
  nowrite: 'DESCRIBE on every topic; no WRITE, no IDEMPOTENT_WRITE',
};

/** Principals that write (and read back) any topic: the mTLS client and the OAuth clients. */
const WRITER_RIGHTS = 'WRITE, READ, DESCRIBE, CREATE on every topic; READ on every group; WRITE, DESCRIBE on every transactional id';

/** OAuth clients of the token endpoint; the token's sub (the client id) is the Kafka principal. */
const OAUTH_CLIENTS = [
  { id: 'kafka-wire-client', about: 'the default client (tokens live --oauth-token-lifetime-s, default 3600 s)' },
  { id: 'kafka-wire-short', lifetimeS: 30, about: '30 s tokens, for token refresh tests' },
];
const OAUTH_AUDIENCE = 'kafka';
const OAUTH_SCOPE = 'kafka';
const ALLOWED_URLS_PROPERTY = 'org.apache.kafka.sasl.oauthbearer.allowed.urls';

const acl = (principal, resourceType, name, pattern, operation) => ({ principal, resourceType, name, pattern, operation });

function aclList(writers) {
  return [
    ...['TOPIC', 'GROUP', 'TRANSACTIONAL_ID'].map((rt) => acl('User:alice', rt, '*', 'LITERAL', 'ALL')),
    ...['WRITE', 'DESCRIBE', 'CREATE'].map((op) => acl('User:limited', 'TOPIC', 'limited-', 'PREFIXED', op)),
    acl('User:limited', 'CLUSTER', 'kafka-cluster', 'LITERAL', 'IDEMPOTENT_WRITE'),
    acl('User:nowrite', 'TOPIC', '*', 'LITERAL', 'DESCRIBE'),
    ...writers.flatMap((p) => [
      ...['WRITE', 'READ', 'DESCRIBE', 'CREATE'].map((op) => acl(p, 'TOPIC', '*', 'LITERAL', op)),
      acl(p, 'GROUP', '*', 'LITERAL', 'READ'),
      ...['WRITE', 'DESCRIBE'].map((op) => acl(p, 'TRANSACTIONAL_ID', '*', 'LITERAL', op)),
    ]),
  ];
}

const secret = () => crypto.randomBytes(16).toString('hex');
const lower = (s) => s.toLowerCase();

function paths(dir) {
  return {
    description: path.join(dir, 'description.json'),
    clients: path.join(dir, 'clients'),
    tls: path.join(dir, 'tls'),
    run: path.join(dir, 'run'),
    oauthConfig: path.join(dir, 'oauth.json'),
    spec: path.join(dir, 'setup.json'),
    oauthLog: path.join(dir, 'logs', 'oauth.log'),
  };
}

/** Java .properties text: `key=value` lines; backslashes (the one escape a value here could need) doubled. */
function propertiesText(title, props) {
  const lines = [`# ${title}`, '# Written by tools/broker/secure.mjs for the secured test cluster; made anew by every `up --security`.'];
  for (const [k, v] of Object.entries(props)) lines.push(`${k}=${String(v).replace(/\\/g, '\\\\')}`);
  return lines.join('\n') + '\n';
}

const jaasQuote = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** sasl.* client properties for `mechanism` as `user` (OAUTHBEARER: as OAuth client `oauthClient`). */
function saslProps(mechanism, { user, password, oauth, oauthClient }) {
  if (mechanism === 'OAUTHBEARER') {
    return {
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
      // Kafka 4.x's name (the .secured. package of 3.x is gone); with an http(s) token endpoint
      // it fetches tokens with the client-credentials grant (ClientCredentialsJwtRetriever).
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': oauth.tokenEndpoint,
      'sasl.oauthbearer.client.credentials.client.id': oauthClient.id,
      'sasl.oauthbearer.client.credentials.client.secret': oauthClient.secret,
      'sasl.oauthbearer.scope': OAUTH_SCOPE,
    };
  }
  const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return { 'sasl.mechanism': mechanism, 'sasl.jaas.config': `${module} required username=${jaasQuote(user)} password=${jaasQuote(password)};` };
}

function tlsTrustProps(caPem) {
  return { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': caPem };
}

/** The broker-side lines for one listener (listener.name.<name>.* prefixes). */
function listenerServerLines(l, { tls, plainJaas }) {
  const p = `listener.name.${lower(l.name)}.`;
  const out = [`# ${l.name}: ${l.about}`];
  if (l.tls) {
    out.push(
      `${p}ssl.keystore.type=PEM`,
      `${p}ssl.keystore.location=${tls[l.tls].keystorePem}`,
      `${p}ssl.truststore.type=PEM`,
      `${p}ssl.truststore.location=${tls.ca.pem}`,
      `${p}ssl.client.auth=${l.clientAuth ?? 'none'}`,
    );
  }
  // CN=mtls-client,... -> User:mtls-client (Java's DN string of the client certificate's subject).
  if (l.clientAuth === 'required') out.push(`${p}ssl.principal.mapping.rules=RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT`);
  if (l.mechanisms) {
    out.push(
      `${p}sasl.enabled.mechanisms=${l.mechanisms.join(',')}`,
      `${p}plain.sasl.jaas.config=${plainJaas}`,
      ...SCRAM.map((m) => `${p}${lower(m)}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`),
      `${p}oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;`,
      // KIP-768: validate the JWT's signature against the JWKS, and its aud and iss claims.
      `${p}oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler`,
    );
    if (l.reauthMs) out.push(`${p}connections.max.reauth.ms=${l.reauthMs}`);
  }
  return out;
}

async function startOauth(dir, p, { clients, defaultLifetimeS, log }) {
  const [port] = await freePorts(1);
  writeJson(p.oauthConfig, { audience: OAUTH_AUDIENCE, defaultLifetimeS, clients });
  fs.chmodSync(p.oauthConfig, 0o600);
  const fd = fs.openSync(p.oauthLog, 'w');
  const child = spawn(process.execPath, [OAUTH_SERVER, '--config', p.oauthConfig, '--port', String(port), '--state', dir], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  child.unref();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!isAlive(child.pid)) throw new Error(`the token endpoint exited at start:\n${tail(p.oauthLog, 20)}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopProcesses([child.pid], { marker: dir, timeoutMs: 2_000 });
      throw new Error(`the token endpoint did not answer within 15 s:\n${tail(p.oauthLog, 20)}`);
    }
    await sleep(50);
  }
  log(`token endpoint ${base}/token (pid ${child.pid})`);
  return {
    pid: child.pid,
    port,
    issuer: base,
    tokenEndpoint: `${base}/token`,
    jwksEndpoint: `${base}/jwks`,
    statsEndpoint: `${base}/stats`,
  };
}

/**
 * Everything a start needs before the brokers: fresh secrets, certificates, the token endpoint.
 * Resolves the flavour clusterUp/startCluster run the nodes with.
 */
async function prepare({ dir, n, log, tokenLifetimeS }) {
  const p = paths(dir);
  for (const stale of [p.description, p.clients, p.tls, p.run, p.oauthConfig, p.spec]) fs.rmSync(stale, { recursive: true, force: true });
  fs.chmodSync(dir, 0o700);
  const passwords = Object.fromEntries(Object.keys(USERS).map((u) => [u, secret()]));
  const storePassword = secret();
  const oauthClients = OAUTH_CLIENTS.map((c) => ({ id: c.id, secret: secret(), scopes: [OAUTH_SCOPE], ...(c.lifetimeS ? { lifetimeS: c.lifetimeS } : {}) }));
  const [certs, endpoint] = await Promise.allSettled([
    makeCertificates(p.tls, { password: storePassword }),
    startOauth(dir, p, { clients: oauthClients, defaultLifetimeS: tokenLifetimeS, log }),
  ]);
  if (certs.status === 'rejected' || endpoint.status === 'rejected') {
    // Nothing is recorded in kafka.json yet: stop the token endpoint here.
    if (endpoint.status === 'fulfilled') await stopProcesses([endpoint.value.pid], { marker: dir, timeoutMs: 2_000 });
    throw certs.status === 'rejected' ? certs.reason : endpoint.reason;
  }
  const tls = certs.value;
  const oauth = endpoint.value;
  log(`certificates in ${p.tls}`);
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(passwords)
    .map(([u, pw]) => `user_${u}=${jaasQuote(pw)}`)
    .join(' ')};`;
  const writers = ['User:mtls-client', ...oauthClients.map((c) => `User:${c.id}`)];
  const acls = aclList(writers);
  const ctx = { dir, p, n, passwords, storePassword, tls, oauth, oauthClients, tokenLifetimeS, acls };
  return {
    version: DEFAULT_KAFKA_VERSION,
    listeners: LISTENERS.map((l) => ({ name: l.name, protocol: l.protocol })),
    root: p.run,
    serverExtra: () => [
      '# Security (tools/broker/secure.mjs)',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // ANONYMOUS: PLAINTEXT (inter-broker, controller, the admin convenience) and SSL without a client certificate.
      'super.users=User:admin;User:ANONYMOUS',
      'allow.everyone.if.no.acl.found=false',
      // Nine listeners: fewer network threads each than the default 3 keep the JVM small.
      'num.network.threads=2',
      `sasl.oauthbearer.jwks.endpoint.url=${oauth.jwksEndpoint}`,
      `sasl.oauthbearer.expected.audience=${OAUTH_AUDIENCE}`,
      `sasl.oauthbearer.expected.issuer=${oauth.issuer}`,
      ...LISTENERS.flatMap((l) => listenerServerLines(l, { tls, plainJaas })),
    ],
    // SCRAM credentials go into the bootstrap metadata at format time (KIP-900), so they exist
    // before any client connects.
    formatArgs: Object.entries(passwords).flatMap(([u, pw]) => SCRAM.flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${pw}]`])),
    // Kafka 4 fetches OAuth URLs only when the JVM allows them (an SSRF guard); the brokers fetch the JWKS.
    jvmFlags: [`-D${ALLOWED_URLS_PROPERTY}=${oauth.jwksEndpoint}`],
    state: { services: [{ name: 'oauth', pid: oauth.pid, port: oauth.port, log: p.oauthLog }], description: p.description },
    cleanup: [p.description, p.clients, p.tls, p.oauthConfig, p.spec],
    whenSpawned: (st, { signal }) => finishStart(st, ctx, { log, signal }),
  };
}

/** Ports of one listener across the brokers. */
const portsOf = (st, name) => st.nodes.map((nd) => (name === 'PLAINTEXT' ? nd.port : nd.ports[name]));
const bootstrapOf = (ports) => ports.map((pt) => `127.0.0.1:${pt}`).join(',');

/**
 * Once the nodes are spawned: write the client properties files and the description, then run
 * KafkaWireSecure (stores, ACLs, a login on every listener of every broker) to its end.
 */
async function finishStart(st, ctx, { log, signal }) {
  const { p, tls, oauth, oauthClients, passwords } = ctx;
  fs.mkdirSync(p.clients, { recursive: true, mode: 0o700 });
  const write = (file, title, props) => {
    fs.writeFileSync(file, propertiesText(title, props), { mode: 0o600 });
    return file;
  };
  const listeners = {};
  const checks = [];
  const check = (name, file, overrides = {}) => {
    for (const nd of st.nodes) {
      const port = name.startsWith('PLAINTEXT') ? nd.port : nd.ports[name.split('/')[0]];
      checks.push({ name: `${name} broker ${nd.id}`, file, overrides: { 'bootstrap.servers': `127.0.0.1:${port}`, ...overrides } });
    }
  };

  const plainPorts = portsOf(st, 'PLAINTEXT');
  listeners.PLAINTEXT = {
    securityProtocol: 'PLAINTEXT',
    bootstrap: bootstrapOf(plainPorts),
    ports: plainPorts,
    about: 'no security: inter-broker traffic and admin/setup (principal ANONYMOUS, a super user)',
    clientConfig: write(path.join(p.clients, 'plaintext.properties'), 'PLAINTEXT', { 'bootstrap.servers': bootstrapOf(plainPorts), 'security.protocol': 'PLAINTEXT' }),
  };
  check('PLAINTEXT', listeners.PLAINTEXT.clientConfig);

  for (const l of LISTENERS) {
    const ports = portsOf(st, l.name);
    const bootstrap = bootstrapOf(ports);
    const base = { 'bootstrap.servers': bootstrap, 'security.protocol': l.protocol, ...(l.tls ? tlsTrustProps(tls.ca.pem) : {}) };
    const entry = {
      securityProtocol: l.protocol,
      bootstrap,
      ports,
      about: l.about,
      ...(l.tls ? { clientAuth: l.clientAuth ?? 'none', certificate: l.tls === 'wrongHost' ? { sans: tls.wrongHost.sans } : l.tls === 'untrustedBroker' ? { issuer: 'CN=kafka-wire untrusted CA', sans: tls.broker.sans } : { sans: tls.broker.sans } } : {}),
      ...(l.expect ? { expect: l.expect } : {}),
    };
    if (l.mechanisms) {
      entry.mechanisms = l.mechanisms;
      entry.reauthMs = l.reauthMs ?? null;
      entry.clientConfigs = {};
      for (const m of l.mechanisms) {
        const who = m === 'OAUTHBEARER' ? `OAuth client ${oauthClients[0].id}` : 'user alice';
        const file = write(path.join(p.clients, `${lower(l.name)}-${lower(m)}.properties`), `${l.name} with ${m} as ${who}`, {
          ...base,
          ...saslProps(m, { user: 'alice', password: passwords.alice, oauth, oauthClient: oauthClients[0] }),
        });
        entry.clientConfigs[m] = file;
        check(`${l.name}/${m}`, file);
      }
    } else {
      const mtls = l.clientAuth === 'required' ? { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tls.client.keystorePem } : {};
      entry.clientConfig = write(path.join(p.clients, `${lower(l.name)}.properties`), `${l.name}: ${l.about}`, { ...base, ...mtls });
      if (l.clientAuth === 'required') entry.principal = 'User:mtls-client';
      // The error listeners are checked with the one setting that makes them work.
      const overrides =
        l.tls === 'wrongHost' ? { 'ssl.endpoint.identification.algorithm': '' } : l.tls === 'untrustedBroker' ? { 'ssl.truststore.location': tls.untrustedCa.pem } : {};
      check(l.name, entry.clientConfig, overrides);
    }
    listeners[l.name] = entry;
  }

  const description = {
    kind: 'kafka-secure',
    version: st.version,
    clusterId: st.clusterId,
    stateDir: ctx.dir,
    startedAt: st.startedAt,
    description: p.description,
    brokers: st.nodes.map((nd) => ({ id: nd.id, pid: nd.pid, log: nd.log, ports: { PLAINTEXT: nd.port, CONTROLLER: nd.controllerPort, ...nd.ports } })),
    listeners,
    users: Object.fromEntries(
      Object.entries(USERS).map(([u, rights]) => [u, { principal: `User:${u}`, password: passwords[u], mechanisms: ['PLAIN', ...SCRAM], rights }]),
    ),
    mtls: { principal: 'User:mtls-client', rights: WRITER_RIGHTS },
    oauth: {
      issuer: oauth.issuer,
      audience: OAUTH_AUDIENCE,
      scope: OAUTH_SCOPE,
      tokenEndpoint: oauth.tokenEndpoint,
      jwksEndpoint: oauth.jwksEndpoint,
      statsEndpoint: oauth.statsEndpoint,
      pid: oauth.pid,
      log: p.oauthLog,
      // A Java client needs the token endpoint allowed in its JVM (Kafka 4's SSRF guard).
      allowedUrlsProperty: ALLOWED_URLS_PROPERTY,
      javaOption: `-D${ALLOWED_URLS_PROPERTY}=${oauth.tokenEndpoint}`,
      clients: Object.fromEntries(
        oauthClients.map((c, i) => [
          c.id,
          { principal: `User:${c.id}`, secret: c.secret, lifetimeS: c.lifetimeS ?? ctx.tokenLifetimeS, rights: WRITER_RIGHTS, about: OAUTH_CLIENTS[i].about },
        ]),
      ),
    },
    tls: tls,
    acls: ctx.acls,
  };
  writeJson(p.description, description);
  fs.chmodSync(p.description, 0o600);

  writeJson(p.spec, { timeoutMs: 150_000, brokers: st.nodes.length, bootstrap: listeners.PLAINTEXT.bootstrap, stores: storeSpecs(tls), acls: ctx.acls, checks });
  fs.chmodSync(p.spec, 0o600);
  log(`stores, ACLs (${ctx.acls.length}) and a login on every listener of every broker (${checks.length} checks) by KafkaWireSecure`);
  const res = await javaHelperMain('KafkaWireSecure', [p.spec], { jvmFlags: [`-D${ALLOWED_URLS_PROPERTY}=${oauth.tokenEndpoint}`], signal, log });
  const steps = res.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  if (res.code !== 0) throw new Error(`KafkaWireSecure failed (exit ${res.code}):\n${res.stderr.slice(-6000)}`);
  const ms = (name) => steps.find((s) => s.step === name)?.ms ?? 0;
  const slowest = Math.max(0, ...steps.filter((s) => s.step === 'check').map((s) => s.ms));
  log(`stores ${ms('stores')} ms, cluster on PLAINTEXT after ${ms('cluster')} ms, ACLs ${ms('acls')} ms, slowest listener check ${slowest} ms`);
}

/** The secured cluster's state dir (<state>/secure). */
export function secureDir() {
  return clusterDir({ sub: SECURE_SUB_DIR });
}

/**
 * Start the secured cluster (or return the running one): resolves its description (what
 * description.json holds) with `reused`, `managed` and the node state. `lease` as for kafkaUp.
 */
export async function secureUp({ brokers, log = () => {}, lease = false, tokenLifetimeS } = {}) {
  const dir = secureDir();
  const running = readJson(paths(dir).description);
  const runningLifetimeS = running?.oauth?.clients?.[OAUTH_CLIENTS[0].id]?.lifetimeS;
  if (tokenLifetimeS !== undefined && runningLifetimeS !== undefined && runningLifetimeS !== tokenLifetimeS && clusterStatus(dir)?.alive) {
    throw new Error(`the secured Kafka is up with ${runningLifetimeS} s tokens; run \`npm run broker -- down --security\` first`);
  }
  const st = await clusterUp({
    dir,
    brokers,
    log,
    lease,
    what: 'secured Kafka',
    downHint: 'npm run broker -- down --security',
    flavour: ({ dir: d, n, log: lg }) => prepare({ dir: d, n, log: lg, tokenLifetimeS: tokenLifetimeS ?? 3600 }),
  });
  const description = readJson(paths(dir).description);
  if (!description) throw new Error(`the secured cluster runs but ${paths(dir).description} is missing; run \`npm run broker -- down --security\``);
  return { ...description, reused: st.reused, managed: st.managed ?? false, alive: true };
}

/** The running secured cluster's description with `alive`, or null. */
export function secureStatus() {
  const dir = secureDir();
  const st = clusterStatus(dir);
  if (!st) return null;
  const description = readJson(paths(dir).description);
  return { ...(description ?? {}), nodes: st.nodes, services: st.services, alive: st.alive, managed: st.managed ?? false, startedAt: st.startedAt };
}

export async function secureRelease() {
  return clusterRelease(secureDir());
}

export async function secureDown() {
  return clusterDown(secureDir());
}
