// The service logger: structured JSON (pino) with credentials redacted at the source, so no
// code path, including fastify's request logging, can write a token or password to a log.
import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino replaces with [Redacted]: credentials never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'authorization',
  'token',
  'apiToken',
  '*.token',
  '*.apiToken',
  '*.password',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default (tests pass a capturing stream). */
  destination?: DestinationStream;
}

export function createServiceLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      serializers: {
        // Headers are logged (user agent, request id, forwarded-for help when debugging), the
        // credentials among them are redacted by the paths above.
        req: (req: { method?: string; url?: string; id?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          headers: req.headers,
        }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
