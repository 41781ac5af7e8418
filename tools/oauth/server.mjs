#!/usr/bin/env node
// A small OAuth 2 / OIDC token endpoint for the secured test cluster (tools/broker/secure.mjs
// starts it before the brokers): the client-credentials grant (RFC 6749 §4.4) issuing RS256 JWTs
// (tools/oauth/jwt.mjs), and the JWKS the brokers' OAuthBearerValidatorCallbackHandler verifies
// them against (KIP-768). Only Node built-ins.
//
// usage: node tools/oauth/server.mjs --config FILE --port P [--state DIR]
//   FILE (JSON, written by the broker tool, mode 0600: it holds the client secrets):
//     { "audience": "kafka", "defaultLifetimeS": 3600,
//       "clients": [{ "id": "...", "secret": "...", "lifetimeS"?: N, "scopes"?: ["kafka", ...] }] }
//   --state only marks the process as the broker tool's (its `down` signals no one else).
//
// Endpoints, on http://127.0.0.1:P:
//   POST /token    grant_type=client_credentials[&scope=...], the client authenticated either
//                  with HTTP Basic (client_id:client_secret, each form-urlencoded or not: what
//                  Java's client sends, with sasl.oauthbearer.header.urlencode false or true) or
//                  with client_id/client_secret in the form body (client_secret_post), not both.
//                  200 {access_token, token_type: "Bearer", expires_in, scope}; a wrong or
//                  unknown client: 401 {"error":"invalid_client"}; a scope the client may not
//                  have: 400 invalid_scope; another grant type: 400 unsupported_grant_type.
//                  Token claims: iss (http://127.0.0.1:P), sub = client id (the Kafka principal),
//                  aud, iat, nbf, exp = iat + the client's lifetime, jti, scope, client_id.
//   GET  /jwks (also /.well-known/jwks.json)   the key set
//   GET  /.well-known/openid-configuration     issuer, endpoints, auth methods
//   GET  /stats    {"tokens":{"<client id>":N}, "refused":N}: tokens issued so far (tests count
//                  token refreshes with it)
//   GET  /healthz  200 once the key exists (the broker tool's readiness probe)
// One log line per request on stdout (method, path, client, outcome); secrets and tokens never.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createSigner } from './jwt.mjs';

const { values } = parseArgs({
  options: { config: { type: 'string' }, port: { type: 'string' }, state: { type: 'string' } },
});
if (!values.config || !values.port) {
  console.error('usage: node tools/oauth/server.mjs --config FILE --port P [--state DIR]');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(values.config, 'utf8'));
const port = Number(values.port);
const issuer = `http://127.0.0.1:${port}`;
const clients = new Map(config.clients.map((c) => [c.id, c]));
const signer = await createSigner();
const issued = Object.fromEntries(config.clients.map((c) => [c.id, 0]));
let refused = 0;

const log = (msg) => process.stdout.write(`[${new Date().toISOString()}] ${msg}\n`);

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Constant-time string comparison (a test fixture, but the habit costs nothing). */
function same(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Form-urlencoded decoding ('+' is a space), or null when the text is not valid encoding. */
function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * The client's credentials from the request: { id, secret, method } or { error } (a 400).
 * Basic credentials are compared both as sent and form-decoded, since Java's client URL-encodes
 * them only with sasl.oauthbearer.header.urlencode=true (RFC 6749 §2.3.1 says it should).
 */
function credentials(req, form) {
  const auth = req.headers.authorization;
  const inBody = form.has('client_secret');
  if (auth && inBody) return { error: 'client credentials both in the Authorization header and in the body' };
  if (auth) {
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    if (!m) return { error: 'Authorization is not Basic' };
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return { error: 'Basic credentials without a colon' };
    const rawId = text.slice(0, colon);
    const rawSecret = text.slice(colon + 1);
    return { id: [rawId, formDecode(rawId)], secret: [rawSecret, formDecode(rawSecret)], method: 'basic' };
  }
  if (inBody) return { id: [form.get('client_id') ?? ''], secret: [form.get('client_secret')], method: 'post' };
  return { id: [], secret: [], method: 'none' };
}

function token(req, res, body) {
  const form = new URLSearchParams(body);
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    send(res, 400, { error: 'unsupported_grant_type', error_description: `grant_type ${grant ?? '(none)'}: only client_credentials` });
    return 'unsupported_grant_type';
  }
  const cred = credentials(req, form);
  if (cred.error) {
    send(res, 400, { error: 'invalid_request', error_description: cred.error });
    return `invalid_request (${cred.error})`;
  }
  const client = cred.id.map((id) => id !== null && clients.get(id)).find(Boolean);
  if (!client || !cred.secret.some((s) => s !== null && same(s, client.secret))) {
    refused++;
    send(res, 401, { error: 'invalid_client', error_description: 'unknown client or wrong secret' }, { 'WWW-Authenticate': 'Basic realm="kafka-wire"' });
    return `invalid_client (${cred.method}${client ? ` ${client.id}: wrong secret` : ': unknown client'})`;
  }
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  const allowed = client.scopes ?? [];
  const bad = requested.filter((s) => !allowed.includes(s));
  if (bad.length) {
    send(res, 400, { error: 'invalid_scope', error_description: `scope ${bad.join(' ')} is not granted to ${client.id}` });
    return `invalid_scope (${client.id}: ${bad.join(' ')})`;
  }
  const scope = (requested.length ? requested : allowed).join(' ');
  const lifetimeS = client.lifetimeS ?? config.defaultLifetimeS ?? 3600;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer,
    sub: client.id,
    aud: config.audience,
    iat: now,
    nbf: now,
    exp: now + lifetimeS,
    jti: crypto.randomUUID(),
    scope,
    client_id: client.id,
  };
  issued[client.id]++;
  send(res, 200, { access_token: signer.sign(claims), token_type: 'Bearer', expires_in: lifetimeS, scope });
  return `issued (${cred.method} ${client.id}, ${lifetimeS} s, scope "${scope}")`;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let outcome;
    try {
      if (req.method === 'POST' && url.pathname === '/token') {
        outcome = token(req, res, Buffer.concat(chunks).toString('utf8'));
      } else if (req.method === 'GET' && (url.pathname === '/jwks' || url.pathname === '/.well-known/jwks.json')) {
        send(res, 200, signer.jwks);
        outcome = 'jwks';
      } else if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        send(res, 200, {
          issuer,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          grant_types_supported: ['client_credentials'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
        outcome = 'discovery';
      } else if (req.method === 'GET' && url.pathname === '/stats') {
        send(res, 200, { tokens: issued, refused });
        outcome = 'stats';
      } else if (req.method === 'GET' && url.pathname === '/healthz') {
        send(res, 200, { ok: true });
        outcome = 'healthz';
      } else {
        send(res, 404, { error: 'not_found' });
        outcome = 'not found';
      }
    } catch (e) {
      send(res, 500, { error: 'server_error' });
      outcome = `error: ${e instanceof Error ? e.message : e}`;
    }
    log(`${req.method} ${url.pathname} -> ${res.statusCode} ${outcome}`);
  });
});

server.listen(port, '127.0.0.1', () => log(`token endpoint ${issuer}/token, JWKS ${issuer}/jwks (kid ${signer.kid}), ${clients.size} client(s)`));
server.on('error', (e) => {
  console.error(`oauth server: ${e.message}`);
  process.exit(1);
});
// Nothing to flush: exit at once (server.close() would wait for the brokers' keep-alive JWKS connections).
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
