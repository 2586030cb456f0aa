import type { DocumentPipeline } from '@docpipe/operator-api';
import { ACTIVE_STEP_STATES, type EmrStep } from './ports.js';
import { shortHash } from './scripts.js';

/** `docpipe/<namespace>/<name>/`: every step of a pipeline starts so. */
export function stepPrefix(p: DocumentPipeline, job: 'flink' | 'spark'): string {
  return `docpipe/${p.metadata.namespace ?? 'default'}/${p.metadata.name}/${job}/`;
}

/** A streaming step's name: the pipeline, then one hash of the script and its arguments. */
export function streamingStepName(p: DocumentPipeline, scriptUri: string, jobArgs: string[]): string {
  return `${stepPrefix(p, 'flink')}${shortHash(JSON.stringify([scriptUri, ...jobArgs]))}`;
}

/** A batch step's name: the pipeline and the day it covers. */
export function batchStepName(p: DocumentPipeline, day: string): string {
  return `${stepPrefix(p, 'spark')}${day}`;
}

/** The Kafka security arguments of the Flink job, from spec.kafka. */
function kafkaSecurityArgs(p: DocumentPipeline): string[] {
  const k = p.spec.kafka;
  const mechanism = k.auth.mechanism;
  if (mechanism === 'none') return k.tls ? ['--security-protocol', 'SSL'] : [];
  const args = ['--security-protocol', 'SASL_SSL'];
  if (mechanism === 'aws-iam') return [...args, '--sasl-mechanism', 'AWS_MSK_IAM'];
  const jaas = p.spec.analytics!.streaming.saslJaasConfigFile;
  if (!jaas) throw new StepSpecError(`spec.analytics.streaming.saslJaasConfigFile is required with ${mechanism}: the job on EMR cannot read the Kubernetes Secret`);
  return [...args, '--sasl-mechanism', mechanism.toUpperCase(), '--sasl-jaas-config-file', jaas];
}

/** A spec the steps cannot be built from (reported, not retried). */
export class StepSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepSpecError';
  }
}

/** The Flink job's command line, the same for every pipeline: `job.py` reads nothing else. */
export function flinkJobArgs(p: DocumentPipeline): string[] {
  const s = p.spec.analytics!.streaming;
  return [
    '--bootstrap-servers',
    p.spec.kafka.bootstrapServers.join(','),
    '--source-topic',
    'embeddings.ready',
    '--sink-topic',
    'analytics.flink',
    '--group-id',
    `docpipe-flink-${p.metadata.name}`,
    '--watermark-seconds',
    String(s.watermarkSeconds),
    '--parallelism',
    String(s.parallelism),
    ...kafkaSecurityArgs(p),
  ];
}

// Copies the script from S3 to the master, then `exec`s the Flink client in
// attached per-job mode with -sae: the step runs as long as the job does and
// fails when it fails, and cancelling the step (SIGTERM to the client) shuts
// the job's YARN application down (docs/adr/0007). $0 is the YARN name, $1 the script.
const FLINK_LAUNCHER =
  'set -euo pipefail; f="$(mktemp -d)/job.py"; aws s3 cp --only-show-errors "$1" "$f"; shift; ' +
  'exec flink run -t yarn-per-job -sae -Dyarn.application.name="$0" -py "$f" "$@"';

/** The command-runner.jar arguments of the streaming step. */
export function flinkStepArgs(stepName: string, scriptUri: string, jobArgs: string[]): string[] {
  return ['bash', '-c', FLINK_LAUNCHER, stepName, scriptUri, ...jobArgs];
}

/** The command-runner.jar arguments of the batch step for `day`. */
export function sparkStepArgs(p: DocumentPipeline, scriptUri: string, day: string): string[] {
  const a = p.spec.analytics!;
  const archive = p.spec.archive;
  if (!archive) throw new StepSpecError('the batch job reads the archive: spec.archive must be set');
  if (!a.batch) throw new StepSpecError('spec.analytics.batch is not set');
  const topics = `${archive.hdfsUrl.replace(/\/+$/, '')}/${archive.topicsDir}`;
  return ['spark-submit', '--deploy-mode', 'cluster', scriptUri, '--archive', topics, '--output', a.batch.outputPath, '--date', day];
}

/** Whether a step still holds its job (PENDING, RUNNING, CANCEL_PENDING). */
export function isActive(step: EmrStep): boolean {
  return ACTIVE_STEP_STATES.includes(step.state);
}

/**
 * Of several active steps with one name (two replicas raced), the one all agree
 * to keep: the oldest, then the smallest id. The others are duplicates to cancel.
 */
export function duplicates(steps: EmrStep[]): EmrStep[] {
  return oldestFirst(steps).slice(1);
}

/** Steps oldest first, ties by id: every replica orders them the same way. */
export function oldestFirst(steps: EmrStep[]): EmrStep[] {
  return [...steps].sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || a.id.localeCompare(b.id));
}
