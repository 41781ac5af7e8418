// Reads files out of a jar (a zip archive) with nothing but node:fs and node:zlib, so tests can
// use what ships inside Kafka's jars (kafka-clients' common/message/*.json) on a machine without
// `unzip`. Owns no state: each call opens the file, reads what it needs and closes it.
//
// Covers what jar tools write: the end-of-central-directory record (and its zip64 form), the
// central directory (zip64 extra fields included), entries stored (method 0) or deflated
// (method 8). Encrypted entries, multi-disk archives and other methods are errors naming the
// entry. Sizes and, where node:zlib has crc32 (Node >= 20.15), CRC-32s are checked.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function readAt(fd: number, position: number, length: number, file: string): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file at ${position + done} (wanted ${length} bytes at ${position})`);
    done += n;
  }
  return buf;
}

function u64(buf: Buffer, off: number, what: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`zip: ${what} ${v} is too large`);
  return Number(v);
}

/** Where the central directory is and how many entries it has. */
function locateCentralDirectory(fd: number, fileSize: number, file: string): { offset: number; size: number; count: number } {
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tailStart = fileSize - tailLen;
  const tail = readAt(fd, tailStart, tailLen, file);
  let at = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) <= tailLen) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new Error(`${file}: not a zip file (no end-of-central-directory record)`);
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // zip64: a locator sits right before the EOCD record and points at the zip64 EOCD record.
    const locAt = tailStart + at - 20;
    if (locAt < 0) throw new Error(`${file}: zip64 end-of-central-directory locator missing`);
    const loc = readAt(fd, locAt, 20, file);
    if (loc.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) throw new Error(`${file}: zip64 end-of-central-directory locator missing`);
    const rec = readAt(fd, u64(loc, 8, 'zip64 EOCD offset'), 56, file);
    if (rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new Error(`${file}: bad zip64 end-of-central-directory record`);
    count = u64(rec, 32, 'entry count');
    size = u64(rec, 40, 'central directory size');
    offset = u64(rec, 48, 'central directory offset');
  } else if (disk !== 0 || cdDisk !== 0) {
    throw new Error(`${file}: multi-disk zip archives are not supported`);
  }
  if (offset + size > fileSize) throw new Error(`${file}: central directory (${offset}+${size}) lies beyond the file (${fileSize})`);
  return { offset, size, count };
}

function parseCentralDirectory(cd: Buffer, count: number, file: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw new Error(`${file}: bad central directory entry #${i} at ${p}`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc32 = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    // Bit 11: the name is UTF-8; otherwise CP437, which agrees with latin1 on what jars contain.
    const name = nameBytes.toString(flags & 0x800 ? 'utf8' : 'latin1');
    // zip64 extended information (header id 1): only the fields whose 32-bit slot is all ones.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(cd, q, 'size')), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(cd, q, 'compressed size')), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(cd, q, 'local header offset');
      }
      e += 4 + len;
    }
    entries.push({ name, method, flags, crc32, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

function withFile<T>(file: string, fn: (fd: number, fileSize: number) => T): T {
  const fd = openSync(file, 'r');
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function listWithFd(fd: number, fileSize: number, file: string): ZipEntry[] {
  const { offset, size, count } = locateCentralDirectory(fd, fileSize, file);
  return parseCentralDirectory(readAt(fd, offset, size, file), count, file);
}

function extract(fd: number, entry: ZipEntry, file: string): Buffer {
  const what = `${file}!${entry.name}`;
  if (entry.flags & 1) throw new Error(`${what}: encrypted entries are not supported`);
  const local = readAt(fd, entry.localHeaderOffset, 30, file);
  if (local.readUInt32LE(0) !== LOCAL_SIG) throw new Error(`${what}: bad local file header`);
  // The local header's own name/extra lengths (its extra field may differ from the central one).
  const dataAt = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const raw = readAt(fd, dataAt, entry.compressedSize, file);
  let data: Buffer;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = zlib.inflateRawSync(raw);
  else throw new Error(`${what}: compression method ${entry.method} is not supported (only stored and deflated)`);
  if (data.length !== entry.size) throw new Error(`${what}: inflated to ${data.length} bytes, the directory says ${entry.size}`);
  const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (crc32 && crc32(data) >>> 0 !== entry.crc32) throw new Error(`${what}: CRC-32 mismatch`);
  return data;
}

/** Every entry of the archive (directories included, their names end with '/'). */
export function listZip(file: string): ZipEntry[] {
  return withFile(file, (fd, fileSize) => listWithFd(fd, fileSize, file));
}

/** The contents of every file entry whose name passes `select`, by name. */
export function readZipEntries(file: string, select: (name: string) => boolean): Map<string, Buffer> {
  return withFile(file, (fd, fileSize) => {
    const out = new Map<string, Buffer>();
    for (const entry of listWithFd(fd, fileSize, file)) {
      if (entry.name.endsWith('/') || !select(entry.name)) continue;
      out.set(entry.name, extract(fd, entry, file));
    }
    return out;
  });
}

/** One file's contents, or null when the archive has no such entry. */
export function readZipEntry(file: string, name: string): Buffer | null {
  return readZipEntries(file, (n) => n === name).get(name) ?? null;
}
