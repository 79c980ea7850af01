// Integration tests talk to the real Kafka broker and Redis server that `.ci/run` (or
// `scripts/services.sh start`) starts. When their address is not in the environment a test
// is reported as skipped with the reason, except under CI=true, where it fails: CI must never
// pass by silently skipping them.
import { test, type TestContext } from 'node:test';

export interface ServiceRequirement {
  /** Environment variables the test needs. */
  env: readonly string[];
  /** How to get them, for the skip message. */
  hint: string;
}

export const KAFKA: ServiceRequirement = {
  env: ['CURRICULUM_KAFKA_BROKERS'],
  hint: 'start a broker with `scripts/services.sh start` and export what it prints',
};
export const KAFKA_CONTROL: ServiceRequirement = {
  env: ['CURRICULUM_KAFKA_BROKERS', 'CURRICULUM_KAFKA_CTL'],
  hint: 'the broker-restart tests need CURRICULUM_KAFKA_CTL (deploy/kafka/kafka.sh), as .ci/run and scripts/services.sh export',
};
export const KAFKA_SASL: ServiceRequirement = {
  env: ['CURRICULUM_KAFKA_SASL_BROKERS'],
  hint: 'the SASL test needs the local broker\'s SASL/PLAIN listener (`deploy/kafka/kafka.sh sasl-brokers`), as .ci/run and scripts/services.sh export',
};
export const REDIS: ServiceRequirement = {
  env: ['CURRICULUM_REDIS_URL'],
  hint: 'start Redis with `scripts/services.sh start` and export what it prints',
};
export const REDIS_CONTROL: ServiceRequirement = {
  env: ['CURRICULUM_REDIS_URL', 'CURRICULUM_REDIS_CTL'],
  hint: 'the Redis-restart tests need CURRICULUM_REDIS_CTL (deploy/redis/redis.sh), as .ci/run and scripts/services.sh export',
};

export function missingEnv(req: ServiceRequirement): string[] {
  return req.env.filter((name) => !process.env[name]);
}

/** `test()` that runs only when the services are configured (see the file comment). */
export function serviceTest(
  name: string,
  req: ServiceRequirement,
  fn: (t: TestContext) => Promise<void>,
  options: { timeout?: number } = {},
): void {
  const missing = missingEnv(req);
  if (missing.length === 0) {
    test(name, { timeout: options.timeout ?? 120_000 }, fn);
  } else if (process.env.CI === 'true') {
    test(name, () => {
      throw new Error(`CI=true but ${missing.join(', ')} unset: this integration test must run in CI (${req.hint})`);
    });
  } else {
    test(name, { skip: `${missing.join(', ')} unset: ${req.hint}` }, () => undefined);
  }
}

/** The environment variable's value; only call inside a serviceTest body. */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} unset`);
  return value;
}
