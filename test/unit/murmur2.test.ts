import { describe, expect, it } from 'vitest';
import { keyedPartition, murmur2, toPositive } from '../../src/partitioner/murmur2.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

describe('murmur2 (Java Utils.murmur2)', () => {
  it("matches the vectors published in Kafka's UtilsTest", () => {
    expect(murmur2(utf8('21'))).toBe(-973932308);
    expect(murmur2(utf8('foobar'))).toBe(-790332482);
    expect(murmur2(utf8('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(utf8('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(utf8('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Uint8Array.of(0x61, 0x62, 0x63))).toBe(479470107);
  });

  // Computed with org.apache.kafka.common.utils.Utils.murmur2 from kafka-clients 4.4.0 (Java 17).
  const javaVectors: Array<[string, number]> = [
    ['', 275646681], // tail 0, no blocks
    ['61', -1563381124], // tail 1
    ['6162', 316155434], // tail 2
    ['616263', 479470107], // tail 3
    ['61626364', -1323649548], // one block, tail 0
    ['6162636465', 461995741], // block + tail 1
    ['616263646566', 1870650108], // block + tail 2
    ['61626364656667', -346467175], // block + tail 3
    ['6162636465666768', -955427363],
    ['616263646566676869', -619679810],
    ['68c3a96c6c6f', 614509002], // "héllo" as UTF-8
    ['d0bad0bbd18ed187', 2122343024], // "ключ"
    ['e697a5e69cace8aa9ee382ade383bc', 1445825182], // "日本語キー"
    ['f09f9491', 2080712807], // "🔑" (4 UTF-8 bytes, one surrogate pair in UTF-16)
    ['ff807f00fe', -1958495739], // high bytes must be treated as unsigned
  ];
  it.each(javaVectors)('matches Java for bytes %s', (h, expected) => {
    expect(murmur2(hex(h))).toBe(expected);
  });

  it('matches Java for bytes 0..255 (64 blocks)', () => {
    expect(murmur2(Uint8Array.from({ length: 256 }, (_, i) => i))).toBe(-1948347274);
  });

  it('hashes UTF-8 bytes of non-ASCII strings (not UTF-16 code units)', () => {
    expect(murmur2(utf8('héllo'))).toBe(614509002);
    expect(murmur2(utf8('🔑'))).toBe(2080712807);
  });

  it('hashes a sub-range without copying', () => {
    const buf = hex('ffff' + '616263646566' + 'eeee');
    expect(murmur2(buf, 2, 6)).toBe(1870650108);
    expect(murmur2(buf.subarray(2, 8))).toBe(1870650108);
  });

  it('returns a signed 32-bit integer', () => {
    for (let n = 0; n < 64; n++) {
      const h = murmur2(new Uint8Array(n).fill(n * 7));
      expect(h).toBe(h | 0);
    }
  });
});

describe('toPositive / keyedPartition', () => {
  it('clears the sign bit like Java (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(5)).toBe(5);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
  });

  it('is toPositive(murmur2(key)) % numPartitions', () => {
    // "21" -> -973932308 -> 1173551340 -> % 3 = 0, % 7 = 4
    expect(keyedPartition(utf8('21'), 3)).toBe(1173551340 % 3);
    expect(keyedPartition(utf8('21'), 7)).toBe(1173551340 % 7);
    expect(keyedPartition(new Uint8Array(0), 10)).toBe(275646681 % 10);
    for (let n = 1; n <= 50; n++) {
      const p = keyedPartition(utf8(`key-${n}`), n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
    }
  });
});
