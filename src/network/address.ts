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
 * Parses bootstrap.servers: comma-separated `host:port` entries (whitespace ignored, empty
 * entries skipped, IPv6 as `[addr]:port`). Throws ConfigError naming the property.
 */
export function parseBootstrapServers(value: string, property = 'bootstrap.servers'): BrokerAddress[] {
  const result: BrokerAddress[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^(?:\[([0-9A-Fa-f:.%\w]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : NaN;
    if (match === null || !(port >= 1 && port <= 65535)) {
      throw new ConfigError(property, `invalid address "${entry}" (expected host:port)`);
    }
    result.push({ host: (match[1] ?? match[2])!, port });
  }
  if (result.length === 0) throw new ConfigError(property, 'no address given');
  return result;
}
