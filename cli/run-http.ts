// HTTP for an embedded run: /metrics, /healthz, /readyz and the run API on one port.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ControllerHooks, ControllerService } from '../controller/runtime/controller-service.ts';
import { controlPlaneFor } from '../controller/runtime/control-plane.ts';
import { metricsHooks } from '../controller/runtime/metrics-hooks.ts';
import { buildHttpServer } from '../observability/http-server.ts';
import { createControllerMetrics, createEvaluatorMetrics, createTrainerMetrics, registerProcessMetrics } from '../observability/metrics.ts';
import { observeEvaluatorEvent, observeTrainerEvent } from '../observability/metrics-from-events.ts';
import type { AnyEvent } from '../schemas/events.ts';
import { CurriculumError } from '../schemas/errors.ts';

/** The generated operator token of an embedded run, in its run folder (mode 0600). */
export const OPERATOR_TOKEN_FILE = 'operator-token';

/**
 * The metrics of an embedded run: created before the run starts, so the controller's hooks are
 * wired from its first event (the same metricsHooks as the distributed controller), whether or
 * not HTTP is served.
 */
export interface RunTelemetry {
  registry: Registry;
  /** Pass as (or chain into) runEmbedded's hooks. */
  hooks: ControllerHooks;
  /** Feeds trainer and evaluator metrics from the run's events (runEmbedded's onEvent). */
  observe(event: AnyEvent): void;
  /** The trainer's backend, its device and the TF.js version, for curriculum_trainer_backend_info. */
  setBackend(backend: string, device?: string, version?: string): void;
}

export function createRunTelemetry(): RunTelemetry {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const controllerMetrics = createControllerMetrics(registry);
  const trainerMetrics = createTrainerMetrics(registry);
  const evaluatorMetrics = createEvaluatorMetrics(registry);
  return {
    registry,
    hooks: metricsHooks(controllerMetrics),
    observe(event) {
      observeTrainerEvent(trainerMetrics, event);
      observeEvaluatorEvent(evaluatorMetrics, event);
    },
    setBackend: (backend, device, version) => trainerMetrics.setBackend(backend, version ?? '', device),
  };
}

export interface RunHttp {
  address: string;
  /** Operator token: from CURRICULUM_API_TOKEN, or generated for this run into a file only its owner reads. */
  token: string;
  /** Where the token is, for the terminal: the token itself is never printed. */
  tokenWhere: string;
  close(): Promise<void>;
}

export async function startRunHttp(options: {
  controller: ControllerService;
  telemetry: RunTelemetry;
  port: number;
  logger: Logger;
  backend: string;
  device?: string;
  version?: string;
  runDir: string;
  host?: string;
}): Promise<RunHttp> {
  const { registry } = options.telemetry;
  options.telemetry.setBackend(options.backend, options.device, options.version);
  const fromEnv = process.env.CURRICULUM_API_TOKEN;
  const token = fromEnv ?? randomBytes(24).toString('base64url');
  const tokenFile = join(options.runDir, OPERATOR_TOKEN_FILE);
  // A terminal is scrollback, screen shares and CI logs: the secret goes to a file only its owner reads.
  if (fromEnv === undefined) writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const tokenWhere = fromEnv === undefined ? tokenFile : '$CURRICULUM_API_TOKEN';
  const server = buildHttpServer({
    controlPlane: controlPlaneFor(options.controller),
    registry,
    probes: { bus: () => true, store: async () => true },
    token,
    logger: options.logger,
    service: 'controller',
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await server.listen({ port: options.port, host });
  } catch (e) {
    await server.close();
    if ((e as { code?: unknown }).code === 'EADDRINUSE') {
      throw new CurriculumError('CUR_PORT_IN_USE', `port ${options.port} on ${host} is already in use (another run?): stop that process, or pass --port 0 for any free port, or --no-http`, [], { cause: e });
    }
    throw e;
  }
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    address: `${host}:${port}`,
    token,
    tokenWhere,
    close: async () => {
      await server.close();
    },
  };
}
