import type { ExternalPart } from '../controller/ports.js';
import { emrApi } from './adapters/emr.js';
import { kafkaConnectApi } from './adapters/kafkaconnect.js';
import { s3ScriptStore } from './adapters/s3.js';
import { AnalyticsPart } from './analytics.js';
import { BatchJob, type BatchOptions } from './batch.js';
import type { AwsClients } from './clients.js';
import { ArchivePart } from './connector.js';
import type { ConnectorApi, EmrApi, ScriptStore } from './ports.js';
import { ScriptUploader } from './scripts.js';
import { StreamingJob } from './streaming.js';

export * from './analytics.js';
export * from './batch.js';
export * from './clients.js';
export * from './connector.js';
export * from './connector-model.js';
export * from './errors.js';
export * from './ports.js';
export * from './schedule.js';
export * from './scripts.js';
export * from './steps.js';
export * from './streaming.js';
export { emrApi, kafkaConnectApi, s3ScriptStore };

export interface AwsPartsOptions {
  /** Local paths of the job scripts: jobs/flink/job.py and jobs/spark/job.py in the operator's image. */
  scripts: { flink: string; spark: string };
  batch?: Partial<BatchOptions>;
}

/** The ports the parts run on; built from SDK clients by `awsPorts`, or in-memory in tests. */
export interface AwsPorts {
  connectors: ConnectorApi;
  emr: EmrApi;
  scripts: ScriptStore;
}

/** The ports over real SDK clients. */
export function awsPorts(clients: AwsClients): AwsPorts {
  return { connectors: kafkaConnectApi(clients.kafkaConnect), emr: emrApi(clients.emr), scripts: s3ScriptStore(clients.s3) };
}

/** The operator's AWS parts: ArchiveReady (the MSK Connect connector), AnalyticsReady (scripts, Flink step, Spark steps). */
export function awsParts(clients: AwsClients | AwsPorts, options: AwsPartsOptions): ExternalPart[] {
  const ports = 'connectors' in clients ? clients : awsPorts(clients);
  const uploader = new ScriptUploader(ports.scripts, options.scripts);
  return [new ArchivePart(ports.connectors), new AnalyticsPart(uploader, ports.emr, new StreamingJob(ports.emr), new BatchJob(ports.emr, options.batch))];
}
