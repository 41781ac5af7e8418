/**
 * KafkaJS's logging contract: `logLevel` (NOTHING, ERROR, WARN, INFO, DEBUG), a `logCreator`
 * that turns a level into a function receiving `{ namespace, level, label, log }` entries, and a
 * default creator that prints one JSON line per entry on the console, as KafkaJS does. The
 * engine's own log lines (plain strings at debug/info/warn/error) are fed through the same
 * creator under the namespace `Producer`, so a KafkaJS program's logger sees them.
 *
 * Owns: level filtering and the entry shape. KafkaJS's KAFKAJS_LOG_LEVEL environment variable
 * is not read (the facade reads no environment); pass `logLevel` instead.
 */
import type { ProducerConfig as EngineConfig } from '../../index.js';
import type { LogEntry, LogLevel, LogLevels, Logger, logCreator } from './types.js';

export const logLevel: LogLevels = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 });

const LABEL: Readonly<Record<LogLevel, string>> = { 0: 'NOTHING', 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' };

/** KafkaJS's default creator: one JSON object per line, on the console method of its level. */
export const consoleLogCreator: logCreator = () => (entry: LogEntry) => {
  const { namespace, level, label, log } = entry;
  const line = JSON.stringify({ level: label, ...log, message: namespace ? `[${namespace}] ${log.message}` : log.message });
  const c = console;
  if (level === logLevel.ERROR) c.error(line);
  else if (level === logLevel.WARN) c.warn(line);
  else if (level === logLevel.INFO) c.info(line);
  else c.log(line);
};

/** The state a logger and all its namespaces share, so setLogLevel applies to all of them. */
interface Root {
  level: LogLevel;
  readonly write: (entry: LogEntry) => void;
}

function namespaced(root: Root, namespace: string, own: LogLevel | undefined): Logger {
  const log = (level: LogLevel) => (message: string, extra?: object) => {
    if (level > (own ?? root.level)) return;
    try {
      root.write({ namespace, level, label: LABEL[level], log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...(extra ?? {}) } });
    } catch {
      // A failing log function must never break a send.
    }
  };
  return {
    error: log(logLevel.ERROR),
    warn: log(logLevel.WARN),
    info: log(logLevel.INFO),
    debug: log(logLevel.DEBUG),
    namespace: (ns: string, level?: LogLevel) => namespaced(root, ns, level),
    setLogLevel: (level: LogLevel) => {
      root.level = level;
    },
  };
}

/** A KafkaJS logger: entries at or below `level` go to `creator(level)`. */
export function createLogger(level: LogLevel = logLevel.INFO, creator: logCreator = consoleLogCreator): Logger {
  if (typeof creator !== 'function') throw new TypeError('logCreator must be a function (logLevel) => (entry) => void');
  return namespaced({ level, write: creator(level) }, '', undefined);
}

/** The engine's line prefix (Java's LogContext), which becomes the entry's clientId field. */
const ENGINE_PREFIX = /^\[Producer clientId=([^\]]*)\] /;

/** The engine's logger option, writing into a KafkaJS logger. */
export function engineLogger(logger: Logger): NonNullable<EngineConfig['logger']> {
  const to = (write: (message: string, extra?: object) => void) => (line: string) => {
    const m = ENGINE_PREFIX.exec(line);
    if (m === null) write(line);
    else write(line.slice(m[0].length), { clientId: m[1] });
  };
  return { debug: to(logger.debug), info: to(logger.info), warn: to(logger.warn), error: to(logger.error) };
}
