import { ConfigError } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { loadOperatorConfig } from './config.js';

describe('loadOperatorConfig', () => {
  it('applies the defaults of controller-runtime’s leader election and the brief', () => {
    const config = loadOperatorConfig({ POD_NAMESPACE: 'docpipe-system' });
    expect(config).toMatchObject({
      OPERATOR_PORT: 8080,
      LEADER_ELECT: true,
      LEASE_NAME: 'docpipe-operator',
      RESYNC_SECONDS: 300,
      MAX_CONCURRENT_RECONCILES: 4,
      LEASE_DURATION_SECONDS: 15,
      RENEW_DEADLINE_SECONDS: 10,
      RETRY_PERIOD_SECONDS: 2,
    });
    expect(config.WATCH_NAMESPACE).toBeUndefined();
  });

  it('needs POD_NAMESPACE only with leader election', () => {
    expect(() => loadOperatorConfig({})).toThrow(/POD_NAMESPACE: required when LEADER_ELECT=true/);
    expect(loadOperatorConfig({ LEADER_ELECT: 'false' }).LEADER_ELECT).toBe(false);
  });

  it('rejects timings a leader could not keep', () => {
    expect(() => loadOperatorConfig({ POD_NAMESPACE: 'x', RENEW_DEADLINE_SECONDS: '20' })).toThrow(ConfigError);
  });

  it('names the bad variable', () => {
    expect(() => loadOperatorConfig({ LEADER_ELECT: 'false', MAX_CONCURRENT_RECONCILES: '0' })).toThrow(/MAX_CONCURRENT_RECONCILES/);
  });
});
