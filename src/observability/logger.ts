/**
 * Logging: silent by default. A user passes `logger` (any object with debug/info/warn/error, such
 * as `console` or a pino instance) and every line is prefixed with the producer's client.id so
 * several producers in one process can be told apart, as Java's log context does.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type UserLogger = Partial<Record<keyof Logger, (message: string) => void>>;

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Wraps a user logger, prefixing `[Producer clientId=...]` like Java's LogContext. */
export function prefixedLogger(user: UserLogger | undefined, clientId: string): Logger {
  if (!user) return silentLogger;
  const prefix = `[Producer clientId=${clientId}] `;
  const wrap = (level: keyof Logger): ((m: string) => void) => {
    const fn = user[level];
    if (typeof fn !== 'function') return noop;
    return (m) => {
      try {
        fn.call(user, prefix + m);
      } catch {
        // A failing logger must never break delivery.
      }
    };
  };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
