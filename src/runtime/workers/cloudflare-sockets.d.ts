/**
 * The part of the Workers runtime's `cloudflare:sockets` module that ./transport.ts uses
 * (Cloudflare's TCP sockets API), declared here so the package builds without Workers' type
 * package. Only workerd (Cloudflare Workers, or workerd run locally) provides the module.
 */
declare module 'cloudflare:sockets' {
  export interface SocketAddress {
    hostname: string;
    port: number;
  }
  export interface SocketOptions {
    /** 'on': TLS from the start, checked against the runtime's trusted CAs and `hostname`. */
    secureTransport?: 'off' | 'on' | 'starttls';
    /** false (the default): the writable side closes when the readable side ends. */
    allowHalfOpen?: boolean;
  }
  export interface SocketInfo {
    remoteAddress?: string;
    localAddress?: string;
  }
  export interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    /** Resolves once connected (and with secureTransport 'on', once the TLS handshake is done). */
    readonly opened: Promise<SocketInfo>;
    /** Resolves when the socket closed, rejects when it closed because of an error. */
    readonly closed: Promise<void>;
    close(): Promise<void>;
  }
  export function connect(address: string | SocketAddress, options?: SocketOptions): Socket;
}
