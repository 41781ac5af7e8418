/**
 * SHA-1 applied again and again to its own 20-byte output: the inner loop of the PKCS#12 key
 * derivation (RFC 7292 appendix B.2, A = H^r(D || I)) for the SHA-1 based PBEs and MACs that
 * keytool's and OpenSSL's legacy formats use, with 50 000-100 000 iterations each. Through
 * node:crypto every iteration pays a createHash/update/digest round trip (~4 us, so a legacy
 * keytool store took 1.5 s to open); one SHA-1 compression of a fixed single block in plain
 * integer arithmetic costs a fraction of that. Only this shape is computed here; every other
 * hash goes through node:crypto.
 */

const w = new Int32Array(80);

/**
 * SHA-1(SHA-1(...SHA-1(digest)...)), `times` applications to the 20-byte `digest`. The message
 * is always 20 bytes, so it is one padded block: the digest, 0x80, zeros, the bit length 160.
 */
export function sha1Iterate(digest: Uint8Array, times: number): Uint8Array {
  if (digest.length !== 20) throw new RangeError('sha1Iterate takes a 20-byte SHA-1 digest');
  let h0 = (digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!;
  let h1 = (digest[4]! << 24) | (digest[5]! << 16) | (digest[6]! << 8) | digest[7]!;
  let h2 = (digest[8]! << 24) | (digest[9]! << 16) | (digest[10]! << 8) | digest[11]!;
  let h3 = (digest[12]! << 24) | (digest[13]! << 16) | (digest[14]! << 8) | digest[15]!;
  let h4 = (digest[16]! << 24) | (digest[17]! << 16) | (digest[18]! << 8) | digest[19]!;
  for (let n = 0; n < times; n++) {
    w[0] = h0;
    w[1] = h1;
    w[2] = h2;
    w[3] = h3;
    w[4] = h4;
    w[5] = 0x80000000;
    for (let i = 6; i < 15; i++) w[i] = 0;
    w[15] = 160;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476;
    let e = 0xc3d2e1f0 | 0;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (0x67452301 + a) | 0;
    h1 = ((0xefcdab89 | 0) + b) | 0;
    h2 = ((0x98badcfe | 0) + c) | 0;
    h3 = (0x10325476 + d) | 0;
    h4 = ((0xc3d2e1f0 | 0) + e) | 0;
  }
  const out = new Uint8Array(20);
  const words = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    out[4 * i] = words[i]! >>> 24;
    out[4 * i + 1] = (words[i]! >>> 16) & 0xff;
    out[4 * i + 2] = (words[i]! >>> 8) & 0xff;
    out[4 * i + 3] = words[i]! & 0xff;
  }
  return out;
}
