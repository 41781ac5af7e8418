// A throwaway certificate authority for the secured test cluster (tools/broker/secure.mjs),
// made fresh at every start with openssl (present on a fresh Debian; `openssl req -x509 -CA`
// signs a new key's certificate in one process, OpenSSL 3.0+). EC P-256 keys: generating them
// takes milliseconds, where 2048-bit RSA takes a few hundred each on a busy machine.
//
// What it writes into `dir` (PEM; the PKCS12 and JKS stores are written by the Java half of the
// start, tools/kafka/src/KafkaWireSecure.java, from the stores() list below):
//   ca.pem ca.key                    the cluster's CA (trusted by brokers and clients)
//   broker.pem broker.key            brokers: SANs DNS:localhost, IP:127.0.0.1
//   broker-keystore.pem              key + chain, as Kafka's PEM key store reads it
//   wrong-host-keystore.pem          a broker certificate of the same CA naming only DNS:wrong.example
//                                    (connecting to 127.0.0.1 or localhost: hostname mismatch)
//   client.pem client.key            the mTLS client, CN=mtls-client, signed by the CA
//   client-chain.pem                 its certificate followed by the CA's (and untrusted-client-chain.pem)
//   client-keystore.pem              key + chain in one file (ssl.keystore.type=PEM)
//   client-encrypted.key             the same key as encrypted PKCS#8 (password: the store password),
//                                    PBE-SHA1-3DES, which Java 17 reads
//   client-encrypted-pbes2.key       the same with PBES2/AES-256-CBC, which Java 17 cannot read
//   untrusted-ca.pem untrusted-ca.key   a second CA nobody trusts
//   untrusted-broker-keystore.pem    a broker certificate (localhost, 127.0.0.1) of that CA
//   untrusted-client.pem untrusted-client.key untrusted-client-keystore.pem
//                                    a client certificate CN=mtls-client of that CA
// and by the Java half: ca.p12 ca.jks (trust stores), client.p12 client.jks,
// untrusted-client.p12 (key stores), all with the one store password.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { have } from './common.mjs';

const DAYS = '30';

// One config for every certificate; -extensions picks the section. The subject comes from -subj.
const OPENSSL_CNF = `# Written by tools/broker/certs.mjs for the secured test cluster's throwaway CA.
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[broker]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1
[wrong_host]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function openssl(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`openssl ${args[0]} ${args.at(-1)} failed (exit ${code}):\n${err}`))));
  });
}

/** A new EC key and its certificate: self-signed (a CA) or signed by `ca`. */
function certificate(dir, name, { subject, section, ca }) {
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
    '-days', DAYS, '-config', 'openssl.cnf', '-extensions', section, '-subj', subject,
    '-keyout', `${name}.key`, '-out', `${name}.pem`,
  ];
  if (ca) args.push('-CA', `${ca}.pem`, '-CAkey', `${ca}.key`);
  return openssl(args, dir);
}

const read = (dir, f) => fs.readFileSync(path.join(dir, f), 'utf8');
const write = (dir, f, text) => fs.writeFileSync(path.join(dir, f), text, { mode: 0o600 });

/**
 * Make the whole set in `dir` (created, mode 0700). `password` encrypts client-encrypted.key
 * (and is the stores' password). Resolves the paths, as the cluster description lists them.
 */
export async function makeCertificates(dir, { password }) {
  if (!have('openssl')) throw new Error('openssl is not installed: the secured cluster makes its test CA with it (apt-get install openssl)');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  write(dir, 'openssl.cnf', OPENSSL_CNF);
  // Keys are written 0600 by openssl itself (-nodes keys are private files), certificates 0644.
  await Promise.all([
    certificate(dir, 'ca', { subject: '/CN=kafka-wire test CA', section: 'ca' }),
    certificate(dir, 'untrusted-ca', { subject: '/CN=kafka-wire untrusted CA', section: 'ca' }),
  ]);
  await Promise.all([
    certificate(dir, 'broker', { subject: '/CN=localhost', section: 'broker', ca: 'ca' }),
    certificate(dir, 'wrong-host', { subject: '/CN=wrong.example', section: 'wrong_host', ca: 'ca' }),
    certificate(dir, 'client', { subject: '/CN=mtls-client', section: 'client', ca: 'ca' }),
    certificate(dir, 'untrusted-broker', { subject: '/CN=localhost', section: 'broker', ca: 'untrusted-ca' }),
    certificate(dir, 'untrusted-client', { subject: '/CN=mtls-client', section: 'client', ca: 'untrusted-ca' }),
  ]);
  // The client key encrypted (ssl.keystore.key + ssl.key.password), twice: PKCS#12 PBE with
  // 3DES, which Java 17's EncryptedPrivateKeyInfo can decrypt, and PBES2 (PBKDF2, AES-256-CBC),
  // what `openssl pkcs8 -topk8` writes by default, which it cannot ("PBES2 SecretKeyFactory not
  // available"). The password goes through the environment, not the command line.
  const env = { KW_KEY_PASSWORD: password };
  await Promise.all([
    openssl(['pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES', '-passout', 'env:KW_KEY_PASSWORD', '-in', 'client.key', '-out', 'client-encrypted.key'], dir, env),
    openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'env:KW_KEY_PASSWORD', '-in', 'client.key', '-out', 'client-encrypted-pbes2.key'], dir, env),
  ]);
  // Kafka's PEM key store: the private key and its chain (leaf first) in one file.
  for (const [name, ca] of [['broker', 'ca'], ['wrong-host', 'ca'], ['client', 'ca'], ['untrusted-broker', 'untrusted-ca'], ['untrusted-client', 'untrusted-ca']]) {
    write(dir, `${name}-keystore.pem`, read(dir, `${name}.key`) + read(dir, `${name}.pem`) + read(dir, `${ca}.pem`));
  }
  write(dir, 'client-chain.pem', read(dir, 'client.pem') + read(dir, 'ca.pem'));
  write(dir, 'untrusted-client-chain.pem', read(dir, 'untrusted-client.pem') + read(dir, 'untrusted-ca.pem'));
  fs.rmSync(path.join(dir, 'openssl.cnf'));
  const f = (name) => path.join(dir, name);
  return {
    password,
    ca: { pem: f('ca.pem'), key: f('ca.key'), p12: f('ca.p12'), jks: f('ca.jks') },
    broker: { cert: f('broker.pem'), key: f('broker.key'), keystorePem: f('broker-keystore.pem'), sans: ['DNS:localhost', 'IP:127.0.0.1'] },
    wrongHost: { keystorePem: f('wrong-host-keystore.pem'), sans: ['DNS:wrong.example'] },
    client: {
      cn: 'mtls-client',
      cert: f('client.pem'),
      chain: f('client-chain.pem'),
      key: f('client.key'),
      encryptedKey: f('client-encrypted.key'),
      encryptedKeyPbes2: f('client-encrypted-pbes2.key'),
      keystorePem: f('client-keystore.pem'),
      p12: f('client.p12'),
      jks: f('client.jks'),
    },
    untrustedCa: { pem: f('untrusted-ca.pem'), key: f('untrusted-ca.key') },
    untrustedBroker: { keystorePem: f('untrusted-broker-keystore.pem') },
    untrustedClient: {
      cn: 'mtls-client',
      cert: f('untrusted-client.pem'),
      chain: f('untrusted-client-chain.pem'),
      key: f('untrusted-client.key'),
      keystorePem: f('untrusted-client-keystore.pem'),
      p12: f('untrusted-client.p12'),
    },
  };
}

/** The PKCS12 / JKS stores KafkaWireSecure writes for `tls` (makeCertificates' answer). */
export function storeSpecs(tls) {
  const pw = tls.password;
  return [
    { type: 'PKCS12', out: tls.ca.p12, password: pw, trusted: [tls.ca.pem] },
    { type: 'JKS', out: tls.ca.jks, password: pw, trusted: [tls.ca.pem] },
    { type: 'PKCS12', out: tls.client.p12, password: pw, alias: 'mtls-client', key: tls.client.key, chain: tls.client.chain },
    { type: 'JKS', out: tls.client.jks, password: pw, alias: 'mtls-client', key: tls.client.key, chain: tls.client.chain },
    { type: 'PKCS12', out: tls.untrustedClient.p12, password: pw, alias: 'mtls-client', key: tls.untrustedClient.key, chain: tls.untrustedClient.chain },
  ];
}
