/** Broker addresses: `host:port` parsing and formatting (IPv6 literals in brackets). */
import { ConfigError } from '../errors.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** A broker as metadata names it. Bootstrap addresses get pseudo ids -1, -2, ... (as Java). */
export interface BrokerNode extends BrokerAddress {
  readonly nodeId: number;
}

/** `host:port`, with IPv6 literals bracketed: `[::1]:9092`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * `name/ip:port` when `address` is a resolved address of the host name `host` (as Java prints an
 * InetSocketAddress: `broker-1/10.0.0.7:9092`, IPv6 bracketed), else `host:port`.
 */
export function formatEndpoint(host: string, port: number, address?: string): string {
  if (address === undefined || address === host) return formatHostPort(host, port);
  return `${host}/${formatHostPort(address, port)}`;
}

/** Whether `host` is an IPv4 or IPv6 literal (no lookup needed). */
export function isIpLiteral(host: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host)) return host.split('.').every((o) => Number(o) <= 255);
  return host.includes(':') && /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/.test(host);
}

/**
 * One bootstrap.servers entry, parsed as Java's `Utils.getHost`/`getPort` do
 * (HOST_PORT_PATTERN): an optional `scheme://` prefix (`PLAINTEXT://h:9092`), an optional pair
 * of brackets, then the host (letters, digits, `-%._:`) up to the LAST colon, then the port. So
 * `[::1]:9092` and Java's unbracketed `::1:9092` both mean host `::1`, port 9092. Java accepts
 * any port InetSocketAddress does (0..65535). Returns undefined when the entry is not host:port.
 *
 * This is the helper config validation (src/config.ts) should call, so both accept the same.
 */
export function parseHostPort(entry: string): BrokerAddress | undefined {
  const match = /^(?:[0-9a-zA-Z\-%._]*:\/\/)?\[?([0-9a-zA-Z\-%._:]+?)\]?:([0-9]+)$/.exec(entry);
  if (match === null) return undefined;
  const host = match[1]!;
  const port = Number(match[2]);
  if (!(port >= 0 && port <= 65535) || host === '' || host.startsWith('[') || host.endsWith(']')) return undefined;
  return { host, port };
}

/**
 * Parses bootstrap.servers: comma-separated `host:port` entries (whitespace ignored, empty
 * entries skipped; see {@link parseHostPort} for what an entry may be). Throws ConfigError naming
 * the property.
 */
export function parseBootstrapServers(value: string, property = 'bootstrap.servers'): BrokerAddress[] {
  const result: BrokerAddress[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const address = parseHostPort(entry);
    if (address === undefined) {
      throw new ConfigError(property, `invalid address "${entry}" (expected host:port)`);
    }
    result.push(address);
  }
  if (result.length === 0) throw new ConfigError(property, 'no address given');
  return result;
}
