// Topic names, and which event types travel on which topic. Every topic is keyed by runId.
import type { EventType } from './events.ts';

export const TOPICS = {
  commands: 'curriculum.commands',
  trainerMetrics: 'curriculum.trainer.metrics',
  checkpoints: 'curriculum.checkpoints',
  evaluatorResults: 'curriculum.evaluator.results',
  decisions: 'curriculum.decisions',
  feedback: 'curriculum.feedback',
  control: 'curriculum.control',
  serviceEvents: 'curriculum.service.events',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly TopicName[] = Object.values(TOPICS);

/** The dead-letter topic of a topic: where its invalid messages go, with the reason in headers. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** The single topic each event type is published on. */
export const TOPIC_OF: { readonly [T in EventType]: TopicName } = {
  'trainer.metrics': TOPICS.trainerMetrics,
  'checkpoint.saved': TOPICS.checkpoints,
  'evaluation.results': TOPICS.evaluatorResults,
  'lesson.start': TOPICS.commands,
  'checkpoint.evaluate': TOPICS.commands,
  'checkpoint.revert': TOPICS.commands,
  'run.stop': TOPICS.commands,
  decision: TOPICS.decisions,
  feedback: TOPICS.feedback,
  'operator.command': TOPICS.control,
  'run.start': TOPICS.control,
  'command.ack': TOPICS.serviceEvents,
  'service.error': TOPICS.serviceEvents,
};

/** What each service consumes. */
export const CONTROLLER_INPUT_TOPICS: readonly TopicName[] = [
  TOPICS.trainerMetrics,
  TOPICS.checkpoints,
  TOPICS.evaluatorResults,
  TOPICS.feedback,
  TOPICS.control,
  TOPICS.serviceEvents,
];
export const TRAINER_INPUT_TOPICS: readonly TopicName[] = [TOPICS.commands];
export const EVALUATOR_INPUT_TOPICS: readonly TopicName[] = [TOPICS.commands];
