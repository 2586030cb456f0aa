import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stackEnv } from '../env.js';

/** jobs/flink/job.py in this checkout. */
export const FLINK_JOB = fileURLToPath(new URL('../../../jobs/flink/job.py', import.meta.url));

export interface FlinkJobOptions {
  sourceTopic: string;
  sinkTopic: string;
  groupId: string;
  watermarkSeconds: number;
  /** Kills the job (its whole process group: python and the JVM it started) after this long. */
  boundMs?: number;
  extraArgs?: string[];
}

/** How a job run ended, and what it printed. */
export interface FlinkJobRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The job's last running total of skipped records (0 when it printed none). */
  skipped: number;
  seconds: number;
}

/**
 * Runs the Flink job bounded (earliest offset to the end the topic had when it
 * started) with the virtualenv's python from `scripts/flink.sh env`, on the
 * stack's broker, and waits for it to end.
 */
export async function runFlinkJob(opts: FlinkJobOptions): Promise<FlinkJobRun> {
  const args = [
    FLINK_JOB,
    '--bootstrap-servers', stackEnv('KAFKA_BROKERS'),
    '--source-topic', opts.sourceTopic,
    '--sink-topic', opts.sinkTopic,
    '--group-id', opts.groupId,
    '--watermark-seconds', String(opts.watermarkSeconds),
    '--startup-mode', 'earliest-offset',
    '--bounded',
    '--connector-jar', stackEnv('FLINK_KAFKA_CONNECTOR_JAR'),
    ...(opts.extraArgs ?? []),
  ];
  const started = performance.now();
  // Its own process group, so a timeout stops the JVM PyFlink started too.
  const child = spawn(stackEnv('FLINK_PYTHON'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => killGroup(child.pid), opts.boundMs ?? 150_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  }).finally(() => clearTimeout(timer));
  const stdout = Buffer.concat(out).toString('utf8');
  return { exitCode, signal, stdout, stderr: Buffer.concat(err).toString('utf8'), skipped: skippedCount(stdout), seconds: (performance.now() - started) / 1000 };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

const SKIPPED_LINE = /^docpipe-flink-skipped(?::\d+)?> \+[IU]\[(\d+)\]$/gm;

/** The last running total the job printed as `docpipe-flink-skipped> +I[n]` / `+U[n]`. */
export function skippedCount(stdout: string): number {
  let last = 0;
  for (const m of stdout.matchAll(SKIPPED_LINE)) last = Number(m[1]);
  return last;
}
