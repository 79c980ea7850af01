// The HTTP surface of every service: health, readiness and metrics for all three; the run API
// and operator actions for the controller only. The server knows the controller through the
// ControlPlane interface, so it has no dependency on the runtime that implements it.
//
// Security: operator actions (every POST) need `Authorization: Bearer <token>`, compared in
// constant time on SHA-256 digests (equal lengths, so timingSafeEqual never throws and the
// comparison does not leak the token length). Without a configured token they are refused:
// failing closed beats an open control plane. Reads are open, like /metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ActionInvalidError, CurriculumError, ERROR_CODES, isCurriculumError, type ErrorCode } from '../schemas/errors.ts';
import { REDACT_PATHS } from './logger.ts';

// ---------------------------------------------------------------- the control-plane contract

import { OPERATOR_ACTIONS, type OperatorAction } from '../schemas/events.ts';
export { OPERATOR_ACTIONS, type OperatorAction };

/** A reason behind a decision, as the API shows it (a subset of the event contract's Reason). */
export interface ReasonView {
  code: string;
  message: string;
  holds?: boolean;
  policy?: string;
  task?: string;
  metric?: string;
  value?: number;
  threshold?: number;
  [extra: string]: unknown;
}

export interface DecisionView {
  sequence: number;
  step: number;
  kind: string;
  from?: string;
  to?: string;
  reasons: ReasonView[];
  at?: string;
  [extra: string]: unknown;
}

export interface RunSummaryView {
  runId: string;
  name?: string;
  /** Statechart state, e.g. training, evaluating, paused, completed. */
  state: string;
  /** Current stage id, null before the first stage starts. */
  stage: string | null;
  stageIndex?: number;
  step: number;
  updatedAt?: string;
  [extra: string]: unknown;
}

export interface RunDetailView extends RunSummaryView {
  /** Decisions with their reasons, oldest first (the runtime may cap how many it returns). */
  decisions: DecisionView[];
  /** Latest per-task figures, keyed by task id. */
  tasks?: Record<string, { accuracy?: number; weight?: number; [extra: string]: unknown }>;
}

export interface ActOptions {
  checkpointId?: string;
  note?: string;
  requestedBy?: string;
}

/**
 * What the controller runtime offers to the API. Implementations throw CurriculumError with
 * catalogue codes (CUR_SPEC_INVALID, CUR_RUN_UNKNOWN, CUR_ACTION_INVALID, ...); the server maps
 * them to HTTP statuses.
 */
export interface ControlPlane {
  listRuns(): Promise<RunSummaryView[]>;
  getRun(runId: string): Promise<RunDetailView | undefined>;
  startRun(spec: unknown, requestedBy?: string): Promise<{ runId: string }>;
  act(runId: string, action: OperatorAction, options: ActOptions): Promise<void>;
}

export interface ReadinessProbes {
  /** True when the bus (memory or Kafka) is connected. */
  bus(): boolean;
  /** True when the state store answers (e.g. Redis PING). */
  store(): Promise<boolean>;
}

export interface HttpServerOptions {
  /** Present on the controller only: enables /api. */
  controlPlane?: ControlPlane;
  registry: Registry;
  probes: ReadinessProbes;
  /** Bearer token for operator actions; without it every action is refused. */
  token?: string;
  logger: Logger;
  /** Title of the OpenAPI document and a log binding. */
  service?: 'controller' | 'trainer' | 'evaluator';
  version?: string;
  /** How long /readyz waits for the store probe. */
  readinessTimeoutMs?: number;
  /** Largest accepted request body (a spec), bytes. */
  bodyLimit?: number;
}

// ---------------------------------------------------------------- request schemas

const RunIdParams = Type.Object(
  { runId: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:-]+$', description: 'run id' }) },
  { additionalProperties: false },
);
type RunIdParams = Static<typeof RunIdParams>;

const ActionBody = Type.Object(
  {
    // A plain string enum (not a union of literals) so a bad value gets one clear error listing the choices.
    action: Type.Unsafe<OperatorAction>({ type: 'string', enum: [...OPERATOR_ACTIONS], description: 'operator action' }),
    checkpointId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'for revert: the checkpoint to restore' })),
    note: Type.Optional(Type.String({ maxLength: 1000, description: 'free text kept in the decision log' })),
    requestedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'who asked (defaults to the header x-requested-by)' })),
  },
  { additionalProperties: false },
);
type ActionBody = Static<typeof ActionBody>;

const SpecBody = Type.Object({}, { additionalProperties: true, description: 'a curriculum spec (JSON, or YAML with content-type application/yaml)' });

const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.String()),
  }),
});

/** 409 CUR_ACTION_INVALID: the error body plus the run's state and the actions valid in it. */
const ActionInvalidBody = Type.Object({
  error: Type.Object({
    code: Type.Literal('CUR_ACTION_INVALID'),
    message: Type.String(),
    details: Type.Array(Type.String()),
    state: Type.String({ description: "the run's current state, e.g. training or continual.monitoring" }),
    validActions: Type.Array(Type.Unsafe<OperatorAction>({ type: 'string', enum: [...OPERATOR_ACTIONS] }), {
      description: 'the actions the run accepts in that state',
    }),
  }),
}, { description: 'the action cannot apply in the run\'s current state' });

const Loose = (schema: TSchema) => ({ ...schema, additionalProperties: true });

const ReasonSchema = Loose(Type.Object({ code: Type.String(), message: Type.String() }));
const DecisionSchema = Loose(
  Type.Object({
    sequence: Type.Integer(),
    step: Type.Integer(),
    kind: Type.String(),
    from: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
    reasons: Type.Array(ReasonSchema),
  }),
);
const SummaryProps = {
  runId: Type.String(),
  name: Type.Optional(Type.String()),
  state: Type.String(),
  stage: Type.Union([Type.String(), Type.Null()]),
  stageIndex: Type.Optional(Type.Integer()),
  step: Type.Integer(),
  updatedAt: Type.Optional(Type.String()),
};
const RunSummarySchema = Loose(Type.Object(SummaryProps));
const RunDetailSchema = Loose(
  Type.Object({
    ...SummaryProps,
    decisions: Type.Array(DecisionSchema),
    tasks: Type.Optional(Type.Record(Type.String(), Loose(Type.Object({})))),
  }),
);

// ---------------------------------------------------------------- helpers

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time bearer-token check on equal-length digests. */
export function tokenMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (expected === undefined || expected === '' || presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** One line per validation error, naming the field: `body.action: must be one of pause, resume, ...`. */
export function describeValidation(context: string, items: readonly ValidationItem[]): string[] {
  return items.map((item) => {
    const segments = (item.instancePath ?? '').split('/').filter((s) => s !== '');
    const params = item.params ?? {};
    let field = [context, ...segments].join('.');
    let message = item.message ?? 'is invalid';
    if (typeof params.missingProperty === 'string') {
      field = `${field}.${params.missingProperty}`;
      message = 'is required';
    } else if (typeof params.additionalProperty === 'string') {
      field = `${field}.${params.additionalProperty}`;
      message = 'is not a known field';
    } else if (Array.isArray(params.allowedValues)) {
      message = `must be one of ${params.allowedValues.map(String).join(', ')}`;
    }
    return `${field}: ${message}`;
  });
}

function sendError(reply: FastifyReply, code: ErrorCode, message: string, details: readonly string[] = [], extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(ERROR_CODES[code].status).send({ error: { code, message, details: [...details], ...extra } });
}

// ---------------------------------------------------------------- the server

export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const service = options.service ?? (options.controlPlane ? 'controller' : 'trainer');
  const logger = options.logger.child({ component: 'http', service }, { redact: { paths: REDACT_PATHS, censor: '[Redacted]' } });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Every request gets an id echoed in the log and in error bodies' log lines.
    requestIdHeader: 'x-request-id',
    ajv: {
      customOptions: {
        // Unknown fields are errors (not silently dropped), all errors are reported at once,
        // and JSON types are not coerced: a number where a string is expected is a 400.
        removeAdditional: false,
        allErrors: true,
        coerceTypes: false,
        useDefaults: true,
      },
    },
  });

  // The spec may be posted as YAML, the format the CLI reads from files.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(String(body)) as unknown);
    } catch (e) {
      done(new CurriculumError('CUR_SPEC_YAML', `request body is not valid YAML: ${(e as Error).message}`));
    }
  });

  app.setErrorHandler((error: FastifyError | CurriculumError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (isCurriculumError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      const extra = error instanceof ActionInvalidError ? { state: error.state, validActions: [...error.validActions] } : {};
      return sendError(reply, error.code, error.message, error.details, extra);
    }
    const fe = error as FastifyError;
    if (Array.isArray(fe.validation)) {
      const details = describeValidation(fe.validationContext ?? 'request', fe.validation as ValidationItem[]);
      return sendError(reply, 'CUR_REQUEST_INVALID', `invalid request: ${details.join('; ')}`, details);
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, body too large, bad content type.
      return reply.code(fe.statusCode).send({ error: { code: 'CUR_REQUEST_INVALID', message: fe.message, details: [] } });
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 'CUR_INTERNAL', 'internal error; see the server log for this request id');
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 'CUR_ROUTE_UNKNOWN', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`));

  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: `curriculum ${service}`,
        description: 'Health, readiness, metrics and (controller) the run API with operator actions.',
        version: options.version ?? '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  void app.register(async (scope) => {
    scope.get('/docs/json', { schema: { hide: true } }, async () => scope.swagger());

    scope.get(
      '/healthz',
      { schema: { summary: 'Liveness: the event loop answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );

    const readinessTimeout = options.readinessTimeoutMs ?? 2000;
    scope.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: the bus is connected and the state store answers',
          response: {
            200: Type.Object({ status: Type.String(), checks: Type.Object({ bus: Type.Boolean(), store: Type.Boolean() }) }),
            503: Type.Object({ status: Type.String(), checks: Type.Object({ bus: Type.Boolean(), store: Type.Boolean() }) }),
          },
        },
      },
      async (_request, reply) => {
        let bus = false;
        try {
          bus = options.probes.bus();
        } catch {
          bus = false;
        }
        const store = await probeWithTimeout(options.probes.store, readinessTimeout);
        const ready = bus && store;
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: { bus, store } });
      },
    );

    scope.get('/metrics', { schema: { summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_request, reply) => {
      const body = await options.registry.metrics();
      return reply.type(options.registry.contentType).send(body);
    });

    if (options.controlPlane !== undefined) registerRunApi(scope, options.controlPlane, options.token);
  });

  return app;
}

async function probeWithTimeout(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe().catch(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function registerRunApi(app: FastifyInstance, plane: ControlPlane, token: string | undefined): void {
  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = bearer(request.headers.authorization);
    if (token === undefined || token === '') {
      request.log.warn('operator action refused: no API token configured');
      return sendError(reply, 'CUR_AUTH', 'operator actions are disabled: no API token is configured (set CURRICULUM_API_TOKEN)');
    }
    if (!tokenMatches(presented, token)) {
      request.log.warn({ tokenPresented: presented !== undefined }, 'operator action refused: missing or wrong bearer token');
      return sendError(reply, 'CUR_AUTH', presented === undefined ? 'missing bearer token (Authorization: Bearer <token>)' : 'wrong bearer token');
    }
    return undefined;
  };
  const secured = { security: [{ bearer: [] }] };
  const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const requestedByHeader = (request: FastifyRequest): string | undefined => {
    const h = request.headers['x-requested-by'];
    return typeof h === 'string' && h !== '' ? h.slice(0, 200) : undefined;
  };

  app.get(
    '/api/runs',
    { schema: { summary: 'List runs', tags: ['runs'], response: { 200: Type.Object({ runs: Type.Array(RunSummarySchema) }) } } },
    async () => ({ runs: await plane.listRuns() }),
  );

  app.get<{ Params: RunIdParams }>(
    '/api/runs/:runId',
    {
      schema: {
        summary: 'One run: state, stage, step and decisions with their reasons',
        tags: ['runs'],
        params: RunIdParams,
        response: { 200: RunDetailSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const run = await plane.getRun(request.params.runId);
      if (run === undefined) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run with id ${request.params.runId}`);
      return run;
    },
  );

  app.post(
    '/api/runs',
    {
      preHandler: requireToken,
      schema: {
        summary: 'Start a run from a curriculum spec',
        tags: ['operator'],
        ...secured,
        body: SpecBody,
        response: { 201: Type.Object({ runId: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      const { runId } = await plane.startRun(request.body, requestedByHeader(request));
      request.log.info({ runId }, 'run started through the API');
      return reply.code(201).header('location', `/api/runs/${encodeURIComponent(runId)}`).send({ runId });
    },
  );

  app.post<{ Params: RunIdParams; Body: ActionBody }>(
    '/api/runs/:runId/actions',
    {
      preHandler: requireToken,
      schema: {
        summary: 'Operator action on a run: pause, resume, force-advance, revert or stop',
        tags: ['operator'],
        ...secured,
        params: RunIdParams,
        body: ActionBody,
        response: {
          202: Type.Object({ runId: Type.String(), action: Type.String(), accepted: Type.Boolean() }),
          ...errors,
          409: ActionInvalidBody,
        },
      },
    },
    async (request, reply) => {
      const { runId } = request.params;
      const { action, checkpointId, note } = request.body;
      if (checkpointId !== undefined && action !== 'revert') {
        throw new CurriculumError('CUR_REQUEST_INVALID', 'body.checkpointId: only allowed with action revert', [
          'body.checkpointId: only allowed with action revert',
        ]);
      }
      const requestedBy = request.body.requestedBy ?? requestedByHeader(request);
      await plane.act(runId, action, {
        ...(checkpointId !== undefined ? { checkpointId } : {}),
        ...(note !== undefined ? { note } : {}),
        ...(requestedBy !== undefined ? { requestedBy } : {}),
      });
      request.log.info({ runId, action, requestedBy }, 'operator action accepted');
      return reply.code(202).send({ runId, action, accepted: true });
    },
  );
}
