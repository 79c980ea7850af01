// kafkajs has its own logger; route it into pino so broker chatter lands in the service's
// structured log (one JSON line per record, with the kafkajs namespace) instead of stdout.
import { logLevel, type logCreator, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs's levels, lowest first: NOTHING 0, ERROR 1, WARN 2, INFO 4, DEBUG 5. */
export function kafkajsLogLevelFor(logger: Logger): logLevel {
  switch (logger.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/** A kafkajs logCreator writing to `logger` (child `lib: kafkajs`, plus the kafkajs namespace). */
export function pinoLogCreator(logger: Logger): logCreator {
  const log = logger.child({ lib: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      // kafkajs puts the text in `message` and the rest (broker, clientId, error, stack) beside it.
      const { message, timestamp: _timestamp, logger: _origin, ...fields } = entry as LogEntry['log'] & { logger?: unknown };
      const record = { namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
          log.error(record, message);
          break;
        case logLevel.WARN:
          log.warn(record, message);
          break;
        case logLevel.INFO:
          log.info(record, message);
          break;
        default:
          log.debug(record, message);
      }
    };
}
