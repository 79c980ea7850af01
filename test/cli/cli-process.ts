// Drives the `curriculum` command as a user does: a real child process of bin/curriculum.mjs,
// optionally on a pseudo-terminal of a fixed width (python3's pty module: no npm dependency).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/curriculum.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process (SIGKILL) after this long: a hang fails the test instead of stalling it. */
  timeoutMs?: number;
  /** Called with every stdout chunk (for a test that acts on what it sees, e.g. sends Ctrl-C). */
  onStdout?: (all: string, child: { interrupt(): void }) => void;
}

/** Runs `curriculum ...args` with its stdout and stderr as pipes (not a terminal). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], options);
}

/**
 * Runs `curriculum ...args` on a pseudo-terminal `columns` wide: stdout is a TTY, as in a
 * terminal window. stderr stays a pipe, so the test can tell the two apart.
 */
export function runCliOnTerminal(args: readonly string[], columns: number, options: CliOptions = {}): Promise<CliResult> {
  const py = [
    'import fcntl, os, pty, struct, sys, termios, signal',
    'cols = int(sys.argv[1])',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    '    os.execv(sys.argv[2], sys.argv[2:])',
    "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 50, cols, 0, 0))",
    'os.kill(pid, signal.SIGWINCH)',
    // Ctrl-C from the test arrives as SIGINT here and goes on to the child, as a terminal would send it.
    'signal.signal(signal.SIGINT, lambda *_: os.kill(pid, signal.SIGINT))',
    'while True:',
    '    try:',
    '        data = os.read(fd, 65536)',
    '    except OSError:',
    '        break',
    '    if not data:',
    '        break',
    '    sys.stdout.buffer.write(data); sys.stdout.flush()',
    '_, status = os.waitpid(pid, 0)',
    'sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))',
  ].join('\n');
  return runProcess('python3', ['-c', py, String(columns), process.execPath, BIN, ...args], options);
}

function runProcess(command: string, args: readonly string[], options: CliOptions): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const handle = { interrupt: () => child.kill('SIGINT') };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, handle);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Lines of Node stack frames ("    at fn (file:line:col)"). */
export function stackFrames(text: string): string[] {
  return text.split('\n').filter((l) => /^\s+at .+[:(]/.test(l));
}
