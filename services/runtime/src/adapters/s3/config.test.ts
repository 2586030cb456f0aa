import { describe, expect, it } from 'vitest';
import { BaseConfig, ConfigError, parseConfig } from '../../config.js';
import { S3Config, s3StoreOptions } from './config.js';

const schema = BaseConfig.extend(S3Config.shape);

describe('S3Config', () => {
  it('applies the defaults and maps to store options', () => {
    const config = parseConfig(schema, { S3_BUCKET: 'docpipe-docs', AWS_REGION: 'eu-west-1' });
    expect(config).toMatchObject({ S3_FORCE_PATH_STYLE: false, S3_PART_SIZE_MB: 5 });
    expect(config.S3_ENDPOINT).toBeUndefined();
    expect(s3StoreOptions(config)).toEqual({
      bucket: 'docpipe-docs',
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      partSizeBytes: 5 * 1024 * 1024,
    });
  });

  it('reads an S3-compatible endpoint with path-style addressing', () => {
    const env = { S3_BUCKET: 'b-1', AWS_REGION: 'us-east-1', S3_ENDPOINT: 'http://127.0.0.1:15000', S3_FORCE_PATH_STYLE: 'true', S3_PART_SIZE_MB: '16' };
    const options = s3StoreOptions(parseConfig(schema, env));
    expect(options).toMatchObject({ endpoint: 'http://127.0.0.1:15000', forcePathStyle: true, partSizeBytes: 16 * 1024 * 1024 });
    expect(parseConfig(schema, { ...env, S3_FORCE_PATH_STYLE: 'false' }).S3_FORCE_PATH_STYLE).toBe(false);
  });

  it('names every bad variable: missing bucket, a part below S3 minimum, a non-boolean flag', () => {
    const env = { AWS_REGION: 'us-east-1', S3_PART_SIZE_MB: '4', S3_FORCE_PATH_STYLE: 'perhaps' };
    const err = (() => {
      try {
        parseConfig(schema, env);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const names = err.problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(['S3_BUCKET', 'S3_FORCE_PATH_STYLE', 'S3_PART_SIZE_MB']);
  });
});
