// HTTP for an embedded run: /metrics, /healthz, /readyz and the run API on one port.
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ControllerService } from '../controller/runtime/controller-service.ts';
import { controlPlaneFor } from '../controller/runtime/control-plane.ts';
import { metricsHooks } from '../controller/runtime/metrics-hooks.ts';
import { buildHttpServer } from '../observability/http-server.ts';
import { createControllerMetrics, createEvaluatorMetrics, createTrainerMetrics, registerProcessMetrics } from '../observability/metrics.ts';
import { observeEvaluatorEvent, observeTrainerEvent } from '../observability/metrics-from-events.ts';
import type { AnyEvent } from '../schemas/events.ts';

export interface RunHttp {
  address: string;
  /** Operator token: from CURRICULUM_API_TOKEN, or generated for this run and printed once. */
  token: string;
  metrics: ReturnType<typeof metricsHooks>;
  /** Feeds trainer and evaluator metrics from the run's events. */
  observe(event: AnyEvent): void;
  registry: Registry;
  close(): Promise<void>;
}

export async function startRunHttp(options: { controller: ControllerService; port: number; logger: Logger; backend: string; device?: string; version?: string; host?: string }): Promise<RunHttp> {
  const registry = new Registry();
  registerProcessMetrics(registry);
  const controllerMetrics = createControllerMetrics(registry);
  const trainerMetrics = createTrainerMetrics(registry);
  trainerMetrics.setBackend(options.backend, options.version ?? '', options.device);
  const evaluatorMetrics = createEvaluatorMetrics(registry);
  const token = process.env.CURRICULUM_API_TOKEN ?? randomBytes(24).toString('base64url');
  const server = buildHttpServer({
    controlPlane: controlPlaneFor(options.controller),
    registry,
    probes: { bus: () => true, store: async () => true },
    token,
    logger: options.logger,
    service: 'controller',
  });
  const host = options.host ?? '127.0.0.1';
  await server.listen({ port: options.port, host });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  return {
    address: `${host}:${port}`,
    token,
    metrics: metricsHooks(controllerMetrics),
    observe(event) {
      observeTrainerEvent(trainerMetrics, event);
      observeEvaluatorEvent(evaluatorMetrics, event);
    },
    registry,
    close: async () => {
      await server.close();
    },
  };
}
