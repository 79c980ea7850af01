// What a person at the terminal reads when a command fails: one line naming the problem and
// what to do about it. A stack trace is for someone debugging, so only `--log-level debug`
// (or trace) shows one.
import { isCurriculumError } from '../schemas/errors.ts';

/** Exit status of a command that failed on an error. */
export const EXIT_FAILED = 1;
/** Exit status of a usage mistake (an unknown option, a missing value). */
export const EXIT_USAGE = 2;

/** Whether the user asked for debug output: `--log-level debug|trace`, or CURRICULUM_LOG_LEVEL (the services). */
export function wantsStackTraces(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const i = argv.indexOf('--log-level');
  const level = (i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--log-level='))?.slice('--log-level='.length)) ?? env.CURRICULUM_LOG_LEVEL;
  return level === 'debug' || level === 'trace';
}

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  port?: number;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** Node's own errors (a file, a socket) in words, with what to do; null for anything else. */
function describeSystemError(e: SystemError): string | null {
  const where = e.path ?? (e.port !== undefined ? `port ${e.port}` : '');
  switch (e.code) {
    case 'ENOENT':
      return `${where || 'a file'} does not exist: check the path`;
    case 'EACCES':
    case 'EPERM':
      return `${where || 'a file'} is not accessible (permission denied)`;
    case 'EADDRINUSE':
      return `${where || 'the port'} is already in use: stop the other process, or pass --port 0 (any free port) or --no-http`;
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return null;
  }
}

/** A refused connection (kafkajs and ioredis wrap Node's error in their own): which service is down. */
function describeRefusedConnection(message: string): string | null {
  const at = /ECONNREFUSED (\S+)/.exec(message)?.[1];
  if (!at) return null;
  return `nothing answers at ${at} (connection refused): start Kafka and Redis (scripts/services.sh start) or check CURRICULUM_KAFKA_BROKERS and CURRICULUM_REDIS_URL`;
}

/** The text to print for an error a command threw, and the exit status that goes with it. */
export function describeForUser(e: unknown, options: { stackTraces: boolean; debugHint?: string }): { text: string; exitCode: number } {
  const stack = options.stackTraces && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  if (isCurriculumError(e)) return { text: `${e.describe()}${stack}`, exitCode: EXIT_FAILED };
  // node:util parseArgs: the message already names the option.
  if (isSystemError(e) && e.code.startsWith('ERR_PARSE_ARGS_')) return { text: `${e.message}${stack}\n(--help lists the options)`, exitCode: EXIT_USAGE };
  const system = isSystemError(e) ? describeSystemError(e) : null;
  const raw = e instanceof Error ? e.message : String(e);
  const message = system ?? describeRefusedConnection(raw) ?? raw;
  const hint = options.stackTraces ? '' : ` (${options.debugHint ?? '--log-level debug'} shows where)`;
  return { text: `error: ${message}${stack || hint}`, exitCode: EXIT_FAILED };
}
