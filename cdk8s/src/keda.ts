import type { DocumentPipeline, KafkaSpec } from '@docpipe/operator-api';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { childLabels, childName, WORKER_INPUT, type Worker } from './names.js';

/** The parts of keda.sh/v1alpha1 ScaledObject we set. */
export interface ScaledObjectSpec {
  scaleTargetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  pollingInterval: number;
  cooldownPeriod: number;
  triggers: KafkaTrigger[];
}

/** A KEDA `kafka` trigger; KEDA wants every metadata value as a string. */
export interface KafkaTrigger {
  type: 'kafka';
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}

/** The parts of keda.sh/v1alpha1 TriggerAuthentication we set. */
export interface TriggerAuthenticationSpec {
  podIdentity?: { provider: 'aws'; identityOwner: 'workload' };
  secretTargetRef?: { parameter: string; name: string; key: string }[];
}

const KEDA_API_VERSION = 'keda.sh/v1alpha1';
const SASL: Record<Exclude<KafkaSpec['auth']['mechanism'], 'none'>, string> = {
  'scram-sha-256': 'scram_sha256',
  'scram-sha-512': 'scram_sha512',
  'aws-iam': 'aws_msk_iam',
};

/** The kafka trigger of a worker: its consumer group's lag on its input topic (services/contracts). */
export function kafkaTrigger(pipeline: DocumentPipeline, worker: Worker): KafkaTrigger {
  const { kafka, s3 } = pipeline.spec;
  const bounds = pipeline.spec[worker];
  const metadata: Record<string, string> = {
    bootstrapServers: kafka.bootstrapServers.join(','),
    consumerGroup: WORKER_INPUT[worker].consumerGroup,
    topic: WORKER_INPUT[worker].topic,
    lagThreshold: String(bounds.lagThreshold),
    activationLagThreshold: String(bounds.activationLagThreshold),
    // A group that has committed nothing yet still has the whole topic to do.
    offsetResetPolicy: 'earliest',
  };
  if (kafka.tls) metadata.tls = 'enable';
  const mechanism = kafka.auth.mechanism;
  if (mechanism !== 'none') metadata.sasl = SASL[mechanism];
  if (mechanism === 'aws-iam') metadata.awsRegion = s3.region;
  const trigger: KafkaTrigger = { type: 'kafka', metadata };
  if (mechanism !== 'none') trigger.authenticationRef = { name: triggerAuthName(pipeline) };
  return trigger;
}

/** The ScaledObject of a worker: min 0 allowed, so an idle worker scales to zero. */
export function addScaledObject(scope: Construct, pipeline: DocumentPipeline, worker: Worker): ApiObject {
  const bounds = pipeline.spec[worker];
  const spec: ScaledObjectSpec = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: childName(pipeline, worker) },
    minReplicaCount: bounds.minReplicas,
    maxReplicaCount: bounds.maxReplicas,
    pollingInterval: 15,
    cooldownPeriod: 300,
    triggers: [kafkaTrigger(pipeline, worker)],
  };
  return new ApiObject(scope, `${worker}-scaledobject`, {
    apiVersion: KEDA_API_VERSION,
    kind: 'ScaledObject',
    metadata: { name: childName(pipeline, worker), labels: childLabels(pipeline, worker) },
    spec,
  });
}

/**
 * How KEDA authenticates to Kafka: the workload's IRSA role for MSK IAM, the
 * SCRAM Secret otherwise. None without SASL.
 */
export function triggerAuthenticationSpec(pipeline: DocumentPipeline): TriggerAuthenticationSpec | undefined {
  const auth = pipeline.spec.kafka.auth;
  if (auth.mechanism === 'aws-iam') return { podIdentity: { provider: 'aws', identityOwner: 'workload' } };
  if (auth.mechanism === 'none' || auth.secretRef === undefined) return undefined;
  return {
    secretTargetRef: [
      { parameter: 'username', name: auth.secretRef.name, key: auth.secretRef.usernameKey },
      { parameter: 'password', name: auth.secretRef.name, key: auth.secretRef.passwordKey },
    ],
  };
}

/** Adds the TriggerAuthentication when the Kafka cluster needs SASL. */
export function addTriggerAuthentication(scope: Construct, pipeline: DocumentPipeline): ApiObject | undefined {
  const spec = triggerAuthenticationSpec(pipeline);
  if (spec === undefined) return undefined;
  return new ApiObject(scope, 'kafka-trigger-auth', {
    apiVersion: KEDA_API_VERSION,
    kind: 'TriggerAuthentication',
    metadata: { name: triggerAuthName(pipeline), labels: childLabels(pipeline, 'kafka-auth') },
    spec,
  });
}

function triggerAuthName(pipeline: DocumentPipeline): string {
  return childName(pipeline, 'kafka-auth');
}
