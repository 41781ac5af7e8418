/**
 * Reads PKCS#12 (RFC 7292) key and trust stores: the MAC checked first, so a wrong password is
 * reported as one; then every certificate, and (for key stores) every private key, decrypted.
 *
 * Why not Node's `pfx` option: a trust store has no key, which `pfx` requires; JDK 8/early-11
 * keytool and `openssl -legacy` protect certificates with 40-bit RC2, which Node's OpenSSL 3
 * does not load; a key password that differs from the store password (Java's ssl.key.password)
 * has no place in `pfx`; Bun's TLS takes no `pfx` at all; and a key-vs-certificate check needs
 * the parts anyway. So the parts come out here and go to the TLS layer as PEM.
 *
 * Supported, i.e. what keytool (JDK 11+) and `openssl pkcs12 -export` write: integrity by HMAC
 * (SHA-1/224/256/384/512, the PKCS#12 key derivation); encryption by PBES2 (PBKDF2 with any
 * HMAC-SHA PRF, AES-128/192/256-CBC or 3DES-CBC) and by the PKCS#12 PBEs with 3DES (3-key and
 * 2-key) and RC2 (40 and 128 bit). Anything else (PBMAC1, RC4, DES, public-key integrity or
 * privacy mode, BER encodings) is a Pkcs12Error saying what the file uses.
 */
import * as crypto from 'node:crypto';
import { DerError, DerReader, TAG, contextConstructed, contextPrimitive, readAlgorithmIdentifier, type AlgorithmIdentifier } from './der.js';
import { rc2CbcDecrypt } from './rc2.js';
import { sha1Iterate } from './sha1-iterate.js';

export type Pkcs12ErrorKind = 'malformed' | 'unsupported' | 'wrong-password' | 'password-required' | 'wrong-key-password';

/** A problem with the file or its password. Messages never contain the password. */
export class Pkcs12Error extends Error {
  readonly kind: Pkcs12ErrorKind;
  constructor(kind: Pkcs12ErrorKind, message: string) {
    super(message);
    this.name = 'Pkcs12Error';
    this.kind = kind;
  }
}

export interface Pkcs12Certificate {
  /** The X.509 certificate, DER. */
  readonly der: Uint8Array;
  /** localKeyId attribute: pairs a key with its certificate. */
  readonly localKeyId: Uint8Array | undefined;
}

export interface Pkcs12Key {
  /** The decrypted PrivateKeyInfo (PKCS#8), DER. */
  readonly pkcs8: Uint8Array;
  readonly localKeyId: Uint8Array | undefined;
}

export interface Pkcs12Contents {
  readonly certificates: readonly Pkcs12Certificate[];
  readonly keys: readonly Pkcs12Key[];
}

export interface Pkcs12ReadOptions {
  /** The store password (MAC and encrypted contents). null: no MAC check, as Java without a password; encrypted contents then fail. */
  readonly password: string | null;
  /** Private keys' password when it differs from the store's (Java's ssl.key.password). */
  readonly keyPassword?: string | null;
  /** Decrypt private keys (key stores); false skips them (trust stores). */
  readonly keys: boolean;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

/** Digest OIDs (MAC digests) -> [Node hash name, block size in bytes for the PKCS#12 KDF]. */
const DIGESTS: Record<string, readonly [string, number]> = {
  '1.3.14.3.2.26': ['sha1', 64],
  '2.16.840.1.101.3.4.2.4': ['sha224', 64],
  '2.16.840.1.101.3.4.2.1': ['sha256', 64],
  '2.16.840.1.101.3.4.2.2': ['sha384', 128],
  '2.16.840.1.101.3.4.2.3': ['sha512', 128],
};

/** PBKDF2 PRF OIDs -> Node hash name. */
const PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** PBES2 encryption schemes -> [Node cipher, key length]. */
const PBES2_CIPHERS: Record<string, readonly [string, number]> = {
  '2.16.840.1.101.3.4.1.2': ['aes-128-cbc', 16],
  '2.16.840.1.101.3.4.1.22': ['aes-192-cbc', 24],
  '2.16.840.1.101.3.4.1.42': ['aes-256-cbc', 32],
  '1.2.840.113549.3.7': ['des-ede3-cbc', 24],
};

/** PKCS#12 password-based encryption schemes (RFC 7292 appendix C), SHA-1 based. */
const PKCS12_PBE: Record<string, { readonly name: string; readonly keyLength: number; readonly cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2' }> = {
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', keyLength: 24, cipher: 'des-ede3-cbc' },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', keyLength: 16, cipher: 'des-ede-cbc' },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHAAnd128BitRC2-CBC', keyLength: 16, cipher: 'rc2' },
  '1.2.840.113549.1.12.1.6': { name: 'pbeWithSHAAnd40BitRC2-CBC', keyLength: 5, cipher: 'rc2' },
};

/** Algorithms a reader may meet that we do not do, by name (for the error). */
const KNOWN_UNSUPPORTED: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
  [OID.pbmac1]: 'PBMAC1',
};

const algorithmName = (oid: string): string => KNOWN_UNSUPPORTED[oid] ?? PKCS12_PBE[oid]?.name ?? `OID ${oid}`;

const RECONVERT = 'convert it with: openssl pkcs12 -in OLD.p12 -nodes | openssl pkcs12 -export -out NEW.p12 (openssl 3 defaults)';

// ---- key derivation ---------------------------------------------------------------------------

/** The password as the PKCS#12 KDF wants it: BMPString (UTF-16BE) with a two-byte terminator. */
function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    out[2 * i] = c >>> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/** RFC 7292 appendix B.2: `n` bytes of key material for purpose `id` (1 key, 2 IV, 3 MAC key). */
export function pkcs12Kdf(hash: string, blockSize: number, password: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, n: number): Uint8Array {
  const v = blockSize;
  const d = new Uint8Array(v).fill(id);
  const fill = (src: Uint8Array): Uint8Array => {
    const out = new Uint8Array(src.length === 0 ? 0 : v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const i = new Uint8Array([...fill(salt), ...fill(password)]);
  const out = new Uint8Array(n);
  let produced = 0;
  while (produced < n) {
    let a: Uint8Array = crypto.createHash(hash).update(d).update(i).digest();
    if (hash === 'sha1') a = sha1Iterate(a, iterations - 1);
    else for (let r = 1; r < iterations; r++) a = crypto.createHash(hash).update(a).digest();
    out.set(a.subarray(0, Math.min(a.length, n - produced)), produced);
    produced += a.length;
    if (produced >= n) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, B = A repeated to v bytes.
    const b = new Uint8Array(v);
    for (let k = 0; k < v; k++) b[k] = a[k % a.length]!;
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + b[k]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out;
}

// ---- decryption --------------------------------------------------------------------------------

/** Decrypts `data` encrypted with `alg` under `password`. Throws Pkcs12Error('unsupported') or a plain Error on a bad decrypt. */
function decrypt(alg: AlgorithmIdentifier, data: Uint8Array, password: string, what: string): Uint8Array {
  if (alg.oid === OID.pbes2) {
    if (alg.params === undefined) throw new DerError(`${what}: PBES2 without parameters`);
    const params = new DerReader(alg.params.value);
    const kdf = readAlgorithmIdentifier(params, `${what} key derivation`);
    const scheme = readAlgorithmIdentifier(params, `${what} encryption scheme`);
    if (kdf.oid !== OID.pbkdf2 || kdf.params === undefined) throw new Pkcs12Error('unsupported', `${what} uses key derivation ${algorithmName(kdf.oid)} (PBKDF2 is supported); ${RECONVERT}`);
    const k = new DerReader(kdf.params.value);
    const salt = k.octetString(`${what} PBKDF2 salt`);
    const iterations = k.smallInteger(`${what} PBKDF2 iterations`);
    const declaredLength = k.peekTag() === TAG.INTEGER ? k.smallInteger(`${what} PBKDF2 key length`) : undefined;
    const prfAlg = k.hasMore ? readAlgorithmIdentifier(k, `${what} PBKDF2 PRF`).oid : '1.2.840.113549.2.7';
    const prf = PRFS[prfAlg];
    if (prf === undefined) throw new Pkcs12Error('unsupported', `${what} uses PBKDF2 with PRF ${algorithmName(prfAlg)}; ${RECONVERT}`);
    const cipher = PBES2_CIPHERS[scheme.oid];
    if (cipher === undefined || scheme.params === undefined) throw new Pkcs12Error('unsupported', `${what} is encrypted with ${algorithmName(scheme.oid)} (AES-CBC and 3DES-CBC are supported); ${RECONVERT}`);
    const iv = new DerReader(scheme.params.encoded).octetString(`${what} IV`);
    const key = crypto.pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, declaredLength ?? cipher[1], prf);
    const d = crypto.createDecipheriv(cipher[0], key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  }
  const pbe = PKCS12_PBE[alg.oid];
  if (pbe === undefined) throw new Pkcs12Error('unsupported', `${what} is encrypted with ${algorithmName(alg.oid)}, which kafka-wire does not read; ${RECONVERT}`);
  if (alg.params === undefined) throw new DerError(`${what}: ${pbe.name} without parameters`);
  const params = new DerReader(alg.params.value);
  const salt = params.octetString(`${what} salt`);
  const iterations = params.smallInteger(`${what} iterations`);
  const pw = bmpPassword(password);
  const key = pkcs12Kdf('sha1', 64, pw, salt, 1, iterations, pbe.keyLength);
  const iv = pkcs12Kdf('sha1', 64, pw, salt, 2, iterations, 8);
  if (pbe.cipher === 'rc2') return rc2CbcDecrypt(key, pbe.keyLength * 8, iv, data);
  const d = crypto.createDecipheriv(pbe.cipher, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

// ---- structure ---------------------------------------------------------------------------------

/** Verifies the MacData over the authenticated safe's bytes. */
function verifyMac(macData: Uint8Array, content: Uint8Array, password: string): void {
  const r = new DerReader(macData);
  const digestInfo = r.enter('MAC DigestInfo');
  const alg = readAlgorithmIdentifier(digestInfo, 'MAC digest algorithm');
  const expected = digestInfo.octetString('MAC digest');
  const salt = r.octetString('MAC salt');
  const iterations = r.peekTag() === TAG.INTEGER ? r.smallInteger('MAC iterations') : 1;
  if (alg.oid === OID.pbmac1) throw new Pkcs12Error('unsupported', `the file's integrity uses PBMAC1, which kafka-wire does not check yet; ${RECONVERT}`);
  const digest = DIGESTS[alg.oid];
  if (digest === undefined) throw new Pkcs12Error('unsupported', `the file's MAC uses ${algorithmName(alg.oid)} (HMAC-SHA1/SHA-2 are supported); ${RECONVERT}`);
  const [hash, blockSize] = digest;
  const macKey = pkcs12Kdf(hash, blockSize, bmpPassword(password), salt, 3, iterations, crypto.createHash(hash).digest().length);
  const actual = crypto.createHmac(hash, macKey).update(content).digest();
  if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) {
    throw new Pkcs12Error('wrong-password', 'the password is wrong, or the file is damaged (its integrity check failed)');
  }
}

/** The [0] EXPLICIT content of a ContentInfo, given its reader positioned after contentType. */
function explicitContent(r: DerReader, what: string): DerReader {
  return r.enter(what, contextConstructed(0));
}

/** The bytes of an OCTET STRING that may come primitive or (BER-style) constructed from pieces. */
function octets(element: { tag: number; value: Uint8Array }, what: string): Uint8Array {
  if ((element.tag & 0x20) === 0) return element.value;
  const parts: Uint8Array[] = [];
  const r = new DerReader(element.value);
  while (r.hasMore) parts.push(r.octetString(what));
  return Buffer.concat(parts);
}

interface Collected {
  certificates: Pkcs12Certificate[];
  keys: Pkcs12Key[];
}

function readAttributes(r: DerReader): { localKeyId: Uint8Array | undefined } {
  let localKeyId: Uint8Array | undefined;
  if (r.peekTag() !== TAG.SET) return { localKeyId };
  const attrs = r.enter('bag attributes', TAG.SET);
  while (attrs.hasMore) {
    const attr = attrs.enter('bag attribute');
    const type = attr.oid('attribute type');
    const values = attr.enter('attribute values', TAG.SET);
    if (type === OID.localKeyId && values.hasMore) localKeyId = values.octetString('localKeyId');
  }
  return { localKeyId };
}

function readSafeContents(bytes: Uint8Array, options: Pkcs12ReadOptions, out: Collected, depth = 0): void {
  const bags = new DerReader(bytes).enter('SafeContents');
  while (bags.hasMore) {
    const bag = bags.enter('SafeBag');
    const bagId = bag.oid('bag type');
    const value = explicitContent(bag, 'bag value');
    const { localKeyId } = readAttributes(bag);
    switch (bagId) {
      case OID.certBag: {
        const certBag = value.enter('CertBag');
        const certType = certBag.oid('certificate type');
        if (certType !== OID.x509Certificate) continue; // SDSI certificates: nobody writes them
        out.certificates.push({ der: explicitContent(certBag, 'certificate value').octetString('certificate'), localKeyId });
        break;
      }
      case OID.keyBag:
        if (options.keys) out.keys.push({ pkcs8: value.next('private key', TAG.SEQUENCE).encoded, localKeyId });
        break;
      case OID.pkcs8ShroudedKeyBag: {
        if (!options.keys) break;
        const password = options.keyPassword ?? options.password;
        if (password === null) throw new Pkcs12Error('password-required', 'the private key is encrypted and no password was given');
        const info = value.enter('EncryptedPrivateKeyInfo');
        const alg = readAlgorithmIdentifier(info, 'private key encryption');
        const encrypted = info.octetString('encrypted private key');
        let pkcs8: Uint8Array;
        try {
          pkcs8 = decrypt(alg, encrypted, password, 'the private key');
        } catch (error) {
          if (error instanceof Pkcs12Error || error instanceof DerError) throw error;
          throw options.keyPassword != null && options.keyPassword !== options.password
            ? new Pkcs12Error('wrong-key-password', 'the key password does not decrypt the private key')
            : new Pkcs12Error('wrong-password', 'the password does not decrypt the private key');
        }
        out.keys.push({ pkcs8, localKeyId });
        break;
      }
      case OID.safeContentsBag:
        if (depth > 4) throw new DerError('SafeContents nested too deeply');
        readSafeContents(value.next('nested SafeContents', TAG.SEQUENCE).encoded, options, out, depth + 1);
        break;
      default:
        break; // CRL and secret bags: nothing TLS needs
    }
  }
}

/**
 * The certificates (and, with `options.keys`, the decrypted private keys) of a PKCS#12 file.
 * Throws Pkcs12Error for a wrong or missing password, or what the file uses that is not
 * supported, and DerError when the bytes are not a PKCS#12 structure.
 */
export function readPkcs12(bytes: Uint8Array, options: Pkcs12ReadOptions): Pkcs12Contents {
  const pfx = new DerReader(bytes).enter('PFX');
  const version = pfx.smallInteger('PFX version');
  if (version !== 3) throw new DerError(`PFX version ${version} (3 expected)`);
  const authSafe = pfx.enter('authSafe ContentInfo');
  const authSafeType = authSafe.oid('authSafe content type');
  if (authSafeType === OID.signedData) throw new Pkcs12Error('unsupported', `the file uses public-key integrity mode (signedData), which kafka-wire does not read; ${RECONVERT}`);
  if (authSafeType !== OID.data) throw new DerError(`authSafe content type ${authSafeType} (data expected)`);
  const authSafeContent = explicitContent(authSafe, 'authSafe content');
  const contentBytes = octets(authSafeContent.next('authSafe octets'), 'authSafe octets');
  if (pfx.hasMore && options.password !== null) verifyMac(pfx.next('MacData', TAG.SEQUENCE).value, contentBytes, options.password);

  const out: Collected = { certificates: [], keys: [] };
  const contentInfos = new DerReader(contentBytes).enter('AuthenticatedSafe');
  while (contentInfos.hasMore) {
    const ci = contentInfos.enter('ContentInfo');
    const type = ci.oid('content type');
    if (type === OID.data) {
      readSafeContents(octets(explicitContent(ci, 'data content').next('data octets'), 'data octets'), options, out);
    } else if (type === OID.encryptedData) {
      const encryptedData = explicitContent(ci, 'encryptedData content').enter('EncryptedData');
      encryptedData.smallInteger('EncryptedData version');
      const eci = encryptedData.enter('EncryptedContentInfo');
      eci.oid('encrypted content type');
      const alg = readAlgorithmIdentifier(eci, 'content encryption');
      const encrypted = eci.hasMore ? eci.next('encrypted content') : undefined;
      if (encrypted === undefined) continue;
      if (encrypted.tag !== contextPrimitive(0) && encrypted.tag !== contextConstructed(0)) throw new DerError('encrypted content: unexpected tag');
      if (options.password === null) throw new Pkcs12Error('password-required', 'the certificates are encrypted and no password was given');
      let plain: Uint8Array;
      try {
        plain = decrypt(alg, octets(encrypted, 'encrypted content'), options.password, 'the certificates');
      } catch (error) {
        if (error instanceof Pkcs12Error || error instanceof DerError) throw error;
        throw new Pkcs12Error('wrong-password', 'the password does not decrypt the certificates');
      }
      readSafeContents(plain, options, out);
    } else if (type === OID.envelopedData) {
      throw new Pkcs12Error('unsupported', `the file uses public-key privacy mode (envelopedData), which kafka-wire does not read; ${RECONVERT}`);
    }
  }
  return out;
}
