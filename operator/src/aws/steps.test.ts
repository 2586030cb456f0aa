import { describe, expect, it } from 'vitest';
import { dueDays, judgeDay } from './batch.js';
import { awsPipeline } from './fixtures.js';
import type { EmrStep } from './ports.js';
import { batchStepName, duplicates, flinkJobArgs, flinkStepArgs, sparkStepArgs, streamingStepName } from './steps.js';

const step = (over: Partial<EmrStep>): EmrStep => ({ id: 's-1', name: 'x', state: 'PENDING', args: [], ...over });

describe('step names and arguments', () => {
  it('names the streaming step after the pipeline and a hash of script and arguments', () => {
    const p = awsPipeline();
    const name = streamingStepName(p, 's3://b/flink-aaa.py', flinkJobArgs(p));
    expect(name).toMatch(/^docpipe\/team-a\/demo\/flink\/[0-9a-f]{12}$/);
    expect(streamingStepName(p, 's3://b/flink-bbb.py', flinkJobArgs(p))).not.toBe(name);
    const q = awsPipeline((m) => (m['spec'].analytics.streaming = { watermarkSeconds: 5 }));
    expect(streamingStepName(q, 's3://b/flink-aaa.py', flinkJobArgs(q))).not.toBe(name);
    expect(batchStepName(p, '2025-06-09')).toBe('docpipe/team-a/demo/spark/2025-06-09');
  });

  it('gives the Flink job its fixed CLI, MSK IAM included, behind an attached per-job launcher', () => {
    const p = awsPipeline();
    expect(flinkJobArgs(p)).toEqual([
      '--bootstrap-servers', 'b-1.msk:9098,b-2.msk:9098', '--source-topic', 'embeddings.ready', '--sink-topic', 'analytics.flink',
      '--group-id', 'docpipe-flink-demo', '--watermark-seconds', '30', '--parallelism', '2',
      '--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'AWS_MSK_IAM',
    ]);
    const args = flinkStepArgs('docpipe/team-a/demo/flink/abc', 's3://b/k.py', ['--x', '1']);
    expect(args.slice(0, 2)).toEqual(['bash', '-c']);
    expect(args[2]).toContain('exec flink run -t yarn-per-job -sae');
    expect(args[2]).not.toMatch(/flink run.*\s(-d|--detached)(\s|$)/);
    expect(args.slice(3)).toEqual(['docpipe/team-a/demo/flink/abc', 's3://b/k.py', '--x', '1']);
  });

  it('needs a JAAS file for SCRAM, plain SSL for TLS without SASL', () => {
    const scram = awsPipeline((m) => (m['spec'].kafka = { bootstrapServers: ['b:9096'], tls: true, auth: { mechanism: 'scram-sha-512', secretRef: { name: 'k' } } }));
    expect(() => flinkJobArgs(scram)).toThrow(/saslJaasConfigFile is required/);
    const withFile = awsPipeline((m) => {
      m['spec'].kafka = { bootstrapServers: ['b:9096'], tls: true, auth: { mechanism: 'scram-sha-512', secretRef: { name: 'k' } } };
      m['spec'].analytics.streaming = { saslJaasConfigFile: '/etc/docpipe/jaas.conf' };
    });
    expect(flinkJobArgs(withFile).slice(-6)).toEqual(['--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-jaas-config-file', '/etc/docpipe/jaas.conf']);
    const tlsOnly = awsPipeline((m) => (m['spec'].kafka = { bootstrapServers: ['b:9094'], tls: true }));
    expect(flinkJobArgs(tlsOnly).slice(-2)).toEqual(['--security-protocol', 'SSL']);
  });

  it('submits spark in cluster mode over <hdfsUrl>/<topicsDir> for the day', () => {
    expect(sparkStepArgs(awsPipeline(), 's3://b/spark-1.py', '2025-06-09')).toEqual([
      'spark-submit', '--deploy-mode', 'cluster', 's3://b/spark-1.py',
      '--archive', 'hdfs://ip-10-0-0-10.ec2.internal:8020/topics', '--output', 's3://team-a-reports/daily', '--date', '2025-06-09',
    ]);
  });

  it('keeps the oldest of racing duplicates, the same choice on every replica', () => {
    const a = step({ id: 's-B', createdAt: new Date(1000) });
    const b = step({ id: 's-A', createdAt: new Date(2000) });
    const c = step({ id: 's-C', createdAt: new Date(2000) });
    expect(duplicates([c, b, a]).map((s) => s.id)).toEqual(['s-A', 's-C']);
  });
});

describe('batch days', () => {
  const opts = { maxAttempts: 3, retryBaseMs: 300_000 };

  it('runs a day without steps, never one running or done, retries a failure after the backoff, gives up after maxAttempts', () => {
    expect(judgeDay([], 0, opts)).toEqual({ run: true });
    expect(judgeDay([step({ state: 'RUNNING' })], 0, opts)).toEqual({ run: false });
    expect(judgeDay([step({ state: 'FAILED', endedAt: new Date(0) }), step({ state: 'COMPLETED' })], 0, opts)).toEqual({ run: false });
    const failedOnce = [step({ state: 'FAILED', endedAt: new Date(1_000_000) })];
    expect(judgeDay(failedOnce, 1_000_000 + 100_000, opts)).toEqual({ run: false, waitMs: 200_000 });
    expect(judgeDay(failedOnce, 1_000_000 + 300_000, opts)).toEqual({ run: true });
    const thrice = [1, 2, 3].map((i) => step({ id: `s-${i}`, state: i === 2 ? 'CANCELLED' : 'FAILED', endedAt: new Date(0) }));
    expect(judgeDay(thrice, 10 ** 9, opts)).toEqual({ run: false, exhausted: true });
  });

  it('owes the fire times of the catch-up window after the pipeline was created, plus the backfill', () => {
    const p = awsPipeline((m) => {
      m['metadata'].creationTimestamp = '2025-06-08T12:00:00Z';
      m['spec'].analytics.batch.backfill = { from: '2025-05-30', to: '2025-06-01' };
    });
    // Fires at 02:00 UTC on the 9th and 10th; the 8th's fire was before the pipeline existed.
    expect(dueDays(p, new Date('2025-06-10T03:00:00Z'), 48 * 3_600_000)).toEqual(['2025-05-30', '2025-05-31', '2025-06-01', '2025-06-08', '2025-06-09']);
  });
});
