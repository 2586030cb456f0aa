import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stackEnv } from '../env.js';

/** jobs/spark/job.py in this checkout. */
export const SPARK_JOB = fileURLToPath(new URL('../../../jobs/spark/job.py', import.meta.url));

/** How a job run ended, and what it printed. */
export interface SparkJobRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface SparkJobOptions {
  archive: string;
  output: string;
  /** YYYY-MM-DD; unset: the job's default (yesterday, UTC). */
  date?: string;
  /** The working directory (Spark may leave files in it): a tmp dir. */
  cwd: string;
  /** Kills the job (python and the JVM it started) after this long. */
  boundMs?: number;
  /** The driver's heap (local mode: the whole job's). */
  driverMemory?: string;
}

/** The settings of a small local run: 2 cores, no UI, few shuffle partitions, a bounded heap. */
export function localSparkArgs(driverMemory = '512m'): string[] {
  return [
    '--master', 'local[2]',
    '--conf', 'spark.ui.enabled=false',
    '--conf', 'spark.sql.shuffle.partitions=2',
    '--conf', `spark.driver.memory=${driverMemory}`,
  ];
}

/**
 * Runs the Spark job with the virtualenv's python from `scripts/spark.sh env`
 * (as EMR runs the file with spark-submit, here pyspark starts the JVM itself),
 * on Java 17, and waits for it to end.
 */
export async function runSparkJob(opts: SparkJobOptions): Promise<SparkJobRun> {
  const args = [SPARK_JOB, '--archive', opts.archive, '--output', opts.output, ...(opts.date ? ['--date', opts.date] : []), ...localSparkArgs(opts.driverMemory)];
  const python = stackEnv('SPARK_PYTHON');
  const env = { ...process.env, JAVA_HOME: stackEnv('SPARK_JAVA_HOME'), PYSPARK_PYTHON: python, SPARK_LOCAL_IP: '127.0.0.1' };
  const started = performance.now();
  // Its own process group, so a timeout stops the JVM pyspark started too.
  const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: opts.cwd, env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => killGroup(child.pid), opts.boundMs ?? 300_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  }).finally(() => clearTimeout(timer));
  return { exitCode, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds: (performance.now() - started) / 1000 };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The job's summary line (`day=… rows=… malformed=…`), the last line on stdout. */
export function summaryOf(run: SparkJobRun): string {
  return run.stdout.trim().split('\n').at(-1) ?? '';
}

/** What a failed run printed, for an assertion message. */
export function describeRun(run: SparkJobRun): string {
  return `exit ${run.exitCode} signal ${run.signal}\nstdout:\n${run.stdout}\nstderr (tail):\n${run.stderr.slice(-4000)}`;
}
