// The trainer as a service on the bus: the same code runs embedded (memory bus) and
// distributed (Kafka). It consumes the command topic and ignores commands that are not its own.
import type { Logger } from 'pino';
import type { EventBus } from '../transport/bus.ts';
import { TOPICS } from '../schemas/topics.ts';
import { selectBackend, type BackendName, type SelectedBackend } from './backend.ts';
import { EventFactory } from './envelopes.ts';
import { Trainer } from './trainer.ts';

export interface TrainerService extends SelectedBackend {
  stop(): Promise<void>;
}

export interface TrainerServiceOptions {
  bus: EventBus;
  checkpointRoot: string;
  producer: string;
  logger: Logger;
  backend?: BackendName;
  groupId?: string;
}

export async function startTrainerService(options: TrainerServiceOptions): Promise<TrainerService> {
  const logger = options.logger.child({ service: 'trainer', producer: options.producer });
  const selected = await selectBackend(options.backend ?? 'auto', logger);
  const { backend, device } = selected;
  const trainer = new Trainer({
    checkpointRoot: options.checkpointRoot,
    backend,
    device,
    events: new EventFactory(options.producer),
    emit: (events) => options.bus.publish(events),
    logger,
  });
  const subscription = await options.bus.subscribe({
    groupId: options.groupId ?? 'curriculum-trainer',
    topics: [TOPICS.commands],
    handle: async ({ event }) => trainer.handle(event),
  });
  logger.info({ backend, device, checkpointRoot: options.checkpointRoot }, 'trainer service started');
  return {
    ...selected,
    stop: async () => {
      await subscription.stop();
      trainer.dispose();
      logger.info('trainer service stopped');
    },
  };
}
