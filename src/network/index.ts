/**
 * The network layer: transports, framing, one connection per broker, the connection pool.
 * Runtime-neutral: the Node transport lives in '../runtime/node/transport.js' (imports node:net) and is
 * imported directly by whoever wires the producer.
 */
export type { Clock, TimerHandle } from '../common/clock.js';
export { SystemClock, createClock, MAX_TIMER_DELAY_MS } from '../common/clock.js';
export type { ResolvedAddress, Resolver, Socketish, Transport, TransportConnectOptions } from './transport.js';
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  FrameDecoder,
  MIN_REQUEST_FRAME_BYTES,
  REQUEST_API_KEY_OFFSET,
  REQUEST_API_VERSION_OFFSET,
  REQUEST_CORRELATION_ID_OFFSET,
  SIZE_PREFIX_BYTES,
} from './framing.js';
export { ExponentialBackoff } from '../common/backoff.js';
export { formatEndpoint, formatHostPort, isIpLiteral, parseBootstrapServers, parseHostPort, type BrokerAddress, type BrokerNode } from './address.js';
export { describeError } from './describe-error.js';
export { LookupLimiter } from './lookup.js';
export { BrokerConnection, type BrokerConnectionOptions, type FrameTap, type FrameTapEvent, type RequestFrame, type RequestOptions } from './connection.js';
export { ConnectionPool, type ConnectionPoolOptions, type ConnectionState } from './connection-pool.js';
