// The evaluator as a service on the bus (embedded or distributed, same code).
import type { Logger } from 'pino';
import type { EventBus } from '../transport/bus.ts';
import { TOPICS } from '../schemas/topics.ts';
import { selectBackend, type BackendName } from '../trainer/backend.ts';
import { EventFactory } from '../trainer/envelopes.ts';
import { Evaluator } from './evaluator.ts';

export interface EvaluatorService {
  stop(): Promise<void>;
}

export interface EvaluatorServiceOptions {
  bus: EventBus;
  checkpointRoot: string;
  producer: string;
  logger: Logger;
  backend?: BackendName;
  groupId?: string;
}

export async function startEvaluatorService(options: EvaluatorServiceOptions): Promise<EvaluatorService> {
  const logger = options.logger.child({ service: 'evaluator', producer: options.producer });
  const { backend, device } = await selectBackend(options.backend ?? 'auto', logger);
  const evaluator = new Evaluator({
    checkpointRoot: options.checkpointRoot,
    events: new EventFactory(options.producer),
    emit: (events) => options.bus.publish(events),
    logger,
  });
  const subscription = await options.bus.subscribe({
    groupId: options.groupId ?? 'curriculum-evaluator',
    topics: [TOPICS.commands],
    handle: async ({ event }) => evaluator.handle(event),
  });
  logger.info({ backend, device, checkpointRoot: options.checkpointRoot }, 'evaluator service started');
  return {
    stop: async () => {
      await subscription.stop();
      evaluator.dispose();
      logger.info('evaluator service stopped');
    },
  };
}
