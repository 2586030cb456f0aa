import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decode, Topics, type AnalyticsWindow } from '@docpipe/contracts';
import { countWindows, sortWindows, windowScenario } from '@docpipe/analytics';
import kafkajs, { type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../env.js';
import { KafkaTap, type TappedRecord } from '../kafka-tap.js';
import { FLINK_JOB, runFlinkJob, skippedCount, type FlinkJobRun } from './flink-job.js';

// The real Flink job (PyFlink mini-cluster, jobs/flink/job.py) on the real broker, against the
// crafted scenario whose windows were worked out by hand, and the TypeScript window counter
// (local mode's stand-in) fed the very records Flink read: both must give exactly the same.
// Run: DOCPIPE_STACK_COMPONENTS='kafka flink' DOCPIPE_KEEP_STACK=1 npx vitest run --config vitest.stack.config.ts test/stack/analytics/flink.test.ts

const run = randomBytes(4).toString('hex');
const sourceTopic = `embeddings.ready.flink-test-${run}`;
const sinkTopic = `analytics.flink.flink-test-${run}`;
const scenario = windowScenario(`-${run}`);

let kafka: Kafka;
let tap: KafkaTap;
let job: FlinkJobRun;
let sink: TappedRecord[];
let source: TappedRecord[];

async function createTopics(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // One partition each: the records keep the scenario's order, and one watermark decides lateness.
    await admin.createTopics({ waitForLeaders: true, topics: [sourceTopic, sinkTopic].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

async function produceScenario(): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const messages = scenario.values.map((value, i) => ({ key: scenario.keys[i] ?? 'poison', value }));
    await producer.send({ topic: sourceTopic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

async function deleteTopics(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [sourceTopic, sinkTopic] }).catch(() => undefined);
  await admin.disconnect();
}

function windowsOf(records: TappedRecord[]): AnalyticsWindow[] {
  return records.map((r) => {
    const decoded = decode(Topics.analyticsFlink, r.value);
    if (!decoded.ok) throw new Error(`analytics.flink record at offset ${r.offset}: ${decoded.error}`);
    return decoded.value;
  });
}

describe('Flink job (PyFlink, bounded) on the real broker', () => {
  beforeAll(async () => {
    kafka = new kafkajs.Kafka({ clientId: `flink-test-${run}`, brokers: stackEnv('KAFKA_BROKERS').split(','), logLevel: kafkajs.logLevel.NOTHING });
    tap = await KafkaTap.open();
    await createTopics();
    await produceScenario();
    job = await runFlinkJob({ sourceTopic, sinkTopic, groupId: `flink-test-${run}`, watermarkSeconds: scenario.watermarkSeconds });
    sink = await tap.readSince(sinkTopic, new Map());
    source = await tap.readSince(sourceTopic, new Map());
  }, 240_000);

  afterAll(async () => {
    await tap?.close();
    if (kafka) await deleteTopics();
  });

  it('ends on its own, without failing, despite the malformed records', () => {
    expect({ exitCode: job.exitCode, signal: job.signal }, job.stderr.slice(-4000)).toEqual({ exitCode: 0, signal: null });
  });

  it('writes exactly the expected windows: late records dropped, duplicates counted once', () => {
    expect(sortWindows(windowsOf(sink))).toEqual(scenario.expected);
  });

  it('keys every window by its company_id', () => {
    const windows = windowsOf(sink);
    expect(sink.map((r) => r.key)).toEqual(windows.map((w) => w.company_id));
    expect(sink.length).toBe(scenario.expected.length);
  });

  it('counts the malformed records it skipped', () => {
    expect(job.skipped).toBe(scenario.malformed);
  });

  it('agrees with the TypeScript window counter fed the same records in the same order', () => {
    expect(source.map((r) => r.value?.toString('utf8') ?? null)).toEqual(scenario.values);
    const standIn = countWindows(source.map((r) => r.value), scenario.watermarkSeconds);
    expect(sortWindows(standIn.windows)).toEqual(sortWindows(windowsOf(sink)));
    expect(standIn.malformed).toBe(job.skipped);
    expect(standIn.late).toBe(scenario.late);
  });
});

/** Runs a snippet of Python with jobs/flink importable, in the Flink virtualenv (no JVM starts, no .pyc left in the repo). */
function python(code: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(stackEnv('FLINK_PYTHON'), ['-c', code, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: dirname(FLINK_JOB), PYTHONDONTWRITEBYTECODE: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('job.py command line', () => {
  it('refuses contradictory security flags with exit 2, before Flink starts', () => {
    const base = ['--bootstrap-servers', 'b:9096', '--group-id', 'g'];
    const run = (extra: string[]) => spawnSync(stackEnv('FLINK_PYTHON'), [FLINK_JOB, ...base, ...extra], { encoding: 'utf8' });
    const noMechanism = run(['--security-protocol', 'SASL_SSL']);
    expect(noMechanism.status).toBe(2);
    expect(noMechanism.stderr).toMatch(/--sasl-mechanism goes with --security-protocol SASL_SSL/);
    const iamShaded = run(['--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'AWS_MSK_IAM', '--connector-jar', '/x/flink-sql-connector-kafka-3.3.0-1.20.jar']);
    expect(iamShaded.status).toBe(2);
    expect(iamShaded.stderr).toMatch(/unshaded/);
    expect(run(['--security-protocol', 'SASL_SSL', '--sasl-mechanism', 'SCRAM-SHA-512']).status).toBe(2);
  });

  it('builds the SCRAM and IAM client properties, the password read from its file and quoted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flink-job-'));
    try {
      const secret = join(dir, 'password');
      writeFileSync(secret, 'p"a\\ss\n');
      const code = [
        'import json, sys, job',
        'scram = job.parse_args(["--bootstrap-servers", "b:9096", "--group-id", "g", "--security-protocol", "SASL_SSL", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", "svc", "--sasl-password-file", sys.argv[1]])',
        'iam = job.parse_args(["--bootstrap-servers", "b:9098", "--group-id", "g", "--security-protocol", "SASL_SSL", "--sasl-mechanism", "AWS_MSK_IAM"])',
        'print(json.dumps([job.security_properties(scram, []), job.security_properties(scram, ["file:///j/flink-sql-connector-kafka-3.3.0-1.20.jar"]), job.security_properties(iam, [])]))',
      ].join('\n');
      const r = python(code, [secret]);
      expect(r.status, r.stderr).toBe(0);
      const [scram, scramShaded, iam] = JSON.parse(r.stdout) as Array<Record<string, string>>;
      expect(scram).toEqual({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p\\"a\\\\ss";',
      });
      expect(scramShaded!['sasl.jaas.config']).toMatch(/^org\.apache\.flink\.kafka\.shaded\.org\.apache\.kafka\.common\.security\.scram\.ScramLoginModule required/);
      expect(iam).toEqual({
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'AWS_MSK_IAM',
        'sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
        'sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('skippedCount', () => {
  it('takes the last running total the print sink wrote, with or without a subtask index', () => {
    expect(skippedCount('docpipe-flink-skipped> +I[1]\ndocpipe-flink-skipped> -U[1]\ndocpipe-flink-skipped> +U[2]\n')).toBe(2);
    expect(skippedCount('docpipe-flink-skipped:1> +I[7]\n')).toBe(7);
    expect(skippedCount('nothing skipped\n')).toBe(0);
  });
});
