/**
 * PEM text (RFC 7468) in and out: the blocks of a file or an inline value, each with its label,
 * its DER bytes and its own text; and DER back to PEM. Text before, between and after blocks is
 * ignored, as Java's PemParser ignores it (files often carry `Bag Attributes` or `subject=`
 * lines from openssl). Pure string work, no `node:` import.
 */

export interface PemBlock {
  /** What follows BEGIN: CERTIFICATE, PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY, ... */
  readonly label: string;
  /** The block's text, BEGIN to END line, as a TLS library takes it. */
  readonly text: string;
  /** RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`): an OpenSSL "traditional" encrypted key. */
  readonly encryptedHeaders: boolean;
  /** The decoded contents; undefined when the base64 is broken. */
  readonly der: Uint8Array | undefined;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function decodeBase64(body: string): Uint8Array | undefined {
  const compact = body.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const bin = atob(compact);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const lines = m[2]!.split(/\r?\n/);
    const headerLines = lines.filter((l) => l.includes(':'));
    const body = lines.filter((l) => !l.includes(':')).join('');
    blocks.push({
      label: m[1]!,
      text: `${m[0]}\n`,
      encryptedHeaders: headerLines.some((l) => /^Proc-Type:\s*4,\s*ENCRYPTED/i.test(l.trim())),
      der: decodeBase64(body),
    });
  }
  return blocks;
}

/** Whether a block holds a private key in any of the PEM forms OpenSSL reads. */
export const isPrivateKeyLabel = (label: string): boolean => /(^|\s)PRIVATE KEY$/.test(label);

/** DER as PEM with `label`, 64 characters a line. */
export function toPem(label: string, der: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < der.length; i++) bin += String.fromCharCode(der[i]!);
  const b64 = btoa(bin);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
