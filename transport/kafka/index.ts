// Kafka transport (distributed mode): the EventBus on Apache Kafka via kafkajs.

/** The EventBus implementation, its options, and the extra subscribe hook `onCommit`. */
export { KafkaBus, DLQ_CONSUMER_GROUP_HEADER, type KafkaBusOptions, type KafkaSubscribeOptions, type CommitNotice } from './kafka-bus.ts';
/** The consumer the bus rebuilds when kafkajs gives up on it. */
export { SupervisedConsumer } from './supervised-consumer.ts';
/** Configuration schema (TypeBox), validation with defaults, and reading it from CURRICULUM_KAFKA_* variables. */
export {
  KafkaBusConfig,
  KafkaSaslConfig,
  KafkaTlsConfig,
  parseKafkaBusConfig,
  kafkaBusConfigFromEnv,
  type ResolvedKafkaBusConfig,
} from './config.ts';
/** A consumer group's committed offsets (refuse to start over an empty store). */
export { fetchCommittedOffsets, type CommittedOffset } from './offsets.ts';
/** Idempotent topic creation with a partition count. */
export { ensureTopicsExist } from './topics.ts';
/** kafkajs -> pino log routing. */
export { pinoLogCreator, kafkajsLogLevelFor } from './logger.ts';
