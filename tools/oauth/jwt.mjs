// RS256 JSON Web Tokens for the test token endpoint (tools/oauth/server.mjs): one RSA key made
// at start (never written anywhere), the JSON Web Key Set that publishes its public half, and
// signing. Only node:crypto; what Kafka's broker checks (KIP-768, jose4j underneath) is the
// signature by a key of the set named by `kid`, `exp`, `sub`, and `aud`/`iss` when configured.

import crypto from 'node:crypto';

const b64url = (data) => Buffer.from(data).toString('base64url');

/**
 * A fresh signing key. Resolves { jwks, sign(claims) }: `jwks` is the key set to publish,
 * `sign` returns a compact JWS (header.payload.signature) of `claims` under that key.
 */
export async function createSigner() {
  const { publicKey, privateKey } = await new Promise((resolve, reject) =>
    crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (err, pub, priv) => (err ? reject(err) : resolve({ publicKey: pub, privateKey: priv }))),
  );
  const jwk = publicKey.export({ format: 'jwk' }); // { kty: 'RSA', n, e }
  // RFC 7638 thumbprint as the key id: stable for the key, different for every start.
  const kid = crypto.createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  return {
    kid,
    jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
    sign(claims) {
      const input = `${header}.${b64url(JSON.stringify(claims))}`;
      const signature = crypto.sign('sha256', Buffer.from(input), privateKey); // RSASSA-PKCS1-v1_5
      return `${input}.${b64url(signature)}`;
    },
  };
}
