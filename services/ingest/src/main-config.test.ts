import { describe, expect, it } from 'vitest';
import { loadIngestMainConfig } from './main-config.js';

describe('the ingest process configuration', () => {
  it('needs Kafka, the bucket and its region, and the database', () => {
    expect(() => loadIngestMainConfig({})).toThrow(/KAFKA_BROKERS: .*AWS_REGION: .*DATABASE_URL: .*S3_BUCKET: /);
  });

  it('reads one AWS_REGION for the bucket and for MSK IAM', () => {
    const config = loadIngestMainConfig({
      KAFKA_BROKERS: 'b-1.msk:9098',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'aws-iam',
      S3_BUCKET: 'documents',
      AWS_REGION: 'eu-west-1',
      DATABASE_URL: 'postgres://docpipe@db/docpipe',
    });
    expect(config).toMatchObject({ AWS_REGION: 'eu-west-1', S3_BUCKET: 'documents', KAFKA_SASL_MECHANISM: 'aws-iam', PORT: 8081 });
  });
});
