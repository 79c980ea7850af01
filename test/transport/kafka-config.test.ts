// The Kafka transport's configuration is validated once, with every bad field named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCurriculumError } from '../../schemas/errors.ts';
import { kafkaBusConfigFromEnv, KafkaBus, parseKafkaBusConfig } from '../../transport/kafka/index.ts';

function configError(fn: () => unknown): { message: string; details: readonly string[] } {
  try {
    fn();
  } catch (e) {
    assert.ok(isCurriculumError(e), `a CurriculumError, got ${String(e)}`);
    assert.equal(e.code, 'CUR_CONFIG_INVALID');
    return { message: e.message, details: e.details };
  }
  assert.fail('expected CUR_CONFIG_INVALID');
}

test('defaults are filled in', () => {
  const c = parseKafkaBusConfig({ brokers: ['127.0.0.1:9092'] });
  assert.equal(c.partitions, 6);
  assert.equal(c.commitEvery, 1);
  assert.equal(c.clientId, 'curriculum');
  assert.equal(c.maxEventBytes, 1024 * 1024);
});

test('each bad field is named, with what was found and what was expected', () => {
  const { details } = configError(() =>
    parseKafkaBusConfig({ brokers: ['no-port'], partitions: 0, sasl: { mechanism: 'kerberos', username: 'u', password: 'p' }, colour: 'blue' }),
  );
  const text = details.join('\n');
  assert.match(text, /brokers\[0\]/);
  assert.match(text, /partitions/);
  assert.match(text, /sasl\.mechanism/);
  assert.match(text, /colour/);
});

test('an empty broker list and a secret of the wrong type are refused without echoing the secret', () => {
  const { details } = configError(() => parseKafkaBusConfig({ brokers: [], sasl: { mechanism: 'plain', username: 'u', password: 12345678 } }));
  const text = details.join('\n');
  assert.match(text, /brokers/);
  assert.match(text, /sasl\.password/);
  assert.doesNotMatch(text, /12345678/);
});

test('the constructor validates before touching the network', () => {
  configError(() => new KafkaBus({ brokers: ['127.0.0.1:9092'], retry: { retries: -1 } }));
});

test('the environment: unset means embedded mode; a bad value names the variable family', () => {
  assert.equal(kafkaBusConfigFromEnv({}), null);
  const c = kafkaBusConfigFromEnv({ CURRICULUM_KAFKA_BROKERS: 'a:1, b:2', CURRICULUM_KAFKA_PARTITIONS: '3', CURRICULUM_KAFKA_TLS: '1' });
  assert.deepEqual(c?.brokers, ['a:1', 'b:2']);
  assert.equal(c?.partitions, 3);
  assert.equal(c?.tls, true);
  const { message } = configError(() => kafkaBusConfigFromEnv({ CURRICULUM_KAFKA_BROKERS: 'a:1', CURRICULUM_KAFKA_PARTITIONS: 'many' }));
  assert.match(message, /CURRICULUM_KAFKA_/);
});
