import { createLogger } from '@docpipe/runtime';
import { minimalPipelineManifest, parseDocumentPipeline } from '@docpipe/operator-api';
import { describe, expect, it } from 'vitest';
import { connectionOptions } from './topic-admin.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const kafkaOf = (kafka: object) => {
  const m = minimalPipelineManifest();
  return parseDocumentPipeline({ ...m, spec: { ...m.spec, kafka: { bootstrapServers: ['b:9092'], ...kafka } } }).spec.kafka;
};

describe('connectionOptions', () => {
  it('connects in plain text without SASL by default, failing fast', () => {
    const o = connectionOptions({ kafka: kafkaOf({}), region: 'eu-west-1' }, { logger });
    expect(o).toMatchObject({ brokers: ['b:9092'], ssl: false, connectionTimeoutMs: 3000, retry: { retries: 2 } });
    expect(o.sasl).toBeUndefined();
  });

  it('uses the Secret’s SCRAM credentials', () => {
    const kafka = kafkaOf({ auth: { mechanism: 'scram-sha-512', secretRef: { name: 'k' } } });
    const o = connectionOptions({ kafka, region: 'eu-west-1', credentials: { username: 'u', password: 'p' } }, { logger });
    expect(o.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(() => connectionOptions({ kafka, region: 'eu-west-1' }, { logger })).toThrow(/needs the credentials/);
  });

  it('uses MSK IAM in the pipeline’s region over TLS', () => {
    const o = connectionOptions({ kafka: kafkaOf({ tls: true, auth: { mechanism: 'aws-iam' } }), region: 'eu-west-3' }, { logger });
    expect(o).toMatchObject({ ssl: true, sasl: { mechanism: 'aws-iam', region: 'eu-west-3' } });
  });
});
