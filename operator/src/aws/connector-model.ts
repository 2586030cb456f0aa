import type { DocumentPipeline } from '@docpipe/operator-api';
import type { ConnectorCapacity, ConnectorChange, ConnectorModel, ConnectorObserved } from './ports.js';

/** The topics the archive keeps (DESIGN §2; the layout of issue 5). */
export const ARCHIVED_TOPICS = ['documents.raw', 'chunks.processed', 'embeddings.ready'] as const;

/** The archive connector of a pipeline: `docpipe-<namespace>-<name>-archive` (at most 120 of MSK Connect's 128 characters). */
export function connectorName(p: DocumentPipeline): string {
  return `docpipe-${p.metadata.namespace ?? 'default'}-${p.metadata.name}-archive`;
}

/** What the connector's description says: whose it is, and which attempt after failures. */
export function connectorDescription(p: DocumentPipeline, attempt = 1): string {
  return `docpipe ${p.metadata.namespace ?? 'default'}/${p.metadata.name} attempt ${attempt}`;
}

/** The owner and attempt a description names; undefined when it is not one of ours. */
export function parseDescription(description: string): { owner: string; attempt: number } | undefined {
  const m = /^docpipe (\S+\/\S+) attempt (\d+)$/.exec(description);
  return m ? { owner: m[1]!, attempt: Number(m[2]) } : undefined;
}

/** A spec the connector cannot be built from (reported as a condition, never retried). */
export class ArchiveSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveSpecError';
  }
}

/** The Confluent HDFS 3 sink settings writing the archive layout the Spark job reads (issue 5). */
export function sinkConfiguration(p: DocumentPipeline): Record<string, string> {
  const a = p.spec.archive!;
  const ns = p.metadata.namespace ?? 'default';
  return {
    'connector.class': 'io.confluent.connect.hdfs3.Hdfs3SinkConnector',
    'tasks.max': String(a.tasksMax),
    topics: ARCHIVED_TOPICS.join(','),
    // store.url replaces the deprecated hdfs.url; both are set so either plugin line reads it.
    'store.url': a.hdfsUrl,
    'hdfs.url': a.hdfsUrl,
    'topics.dir': a.topicsDir,
    // One WAL directory per connector: the sink forbids sharing it.
    'logs.dir': a.logsDir ?? `logs/${ns}/${p.metadata.name}`,
    'flush.size': String(a.flushSize),
    'rotate.interval.ms': String(a.rotateIntervalMs),
    'format.class': 'io.confluent.connect.hdfs3.json.JsonFormat',
    'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
    'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
    'partition.duration.ms': '3600000',
    locale: 'en-US',
    timezone: 'UTC',
    'timestamp.extractor': 'Record',
    // The payloads are JSON text: keep keys and values as strings, no schemas.
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
}

function authOf(p: DocumentPipeline): { authentication: 'iam' | 'none'; tls: boolean } {
  const override = p.spec.archive!.kafka;
  return {
    authentication: override?.authentication ?? (p.spec.kafka.auth.mechanism === 'aws-iam' ? 'iam' : 'none'),
    tls: override?.tls ?? p.spec.kafka.tls,
  };
}

function kafkaConnection(p: DocumentPipeline): Pick<ConnectorModel, 'bootstrapServers' | 'authentication' | 'encryption'> {
  const k = p.spec.kafka;
  const override = p.spec.archive!.kafka;
  const mechanism = k.auth.mechanism;
  if (mechanism.startsWith('scram-') && override?.bootstrapServers === undefined) {
    throw new ArchiveSpecError(
      `MSK Connect cannot authenticate with ${mechanism}: set spec.archive.kafka.bootstrapServers to the cluster's IAM (9098) or TLS (9094) listener and spec.archive.kafka.authentication`,
    );
  }
  const { authentication, tls } = authOf(p);
  if (authentication === 'iam' && !tls) throw new ArchiveSpecError('MSK IAM authentication needs TLS: set spec.archive.kafka.tls to true');
  return {
    bootstrapServers: (override?.bootstrapServers ?? k.bootstrapServers).join(','),
    authentication: authentication === 'iam' ? 'IAM' : 'NONE',
    encryption: tls ? 'TLS' : 'PLAINTEXT',
  };
}

function capacity(p: DocumentPipeline): ConnectorCapacity {
  const c = p.spec.archive!.capacity;
  if (c.provisioned) return { provisioned: { workerCount: c.provisioned.workerCount, mcuCount: c.provisioned.mcuCount } };
  const a = c.autoscaling!;
  return { autoscaling: { minWorkers: a.minWorkers, maxWorkers: a.maxWorkers, mcuCount: a.mcuCount } };
}

/** The connector `p` wants (pure; throws ArchiveSpecError for a spec MSK Connect cannot serve). */
export function desiredConnector(p: DocumentPipeline, attempt = 1): ConnectorModel {
  const a = p.spec.archive;
  if (!a) throw new ArchiveSpecError('spec.archive is not set');
  return {
    name: connectorName(p),
    description: connectorDescription(p, attempt),
    configuration: sinkConfiguration(p),
    capacity: capacity(p),
    ...kafkaConnection(p),
    kafkaConnectVersion: a.kafkaConnectVersion,
    pluginArn: a.pluginArn,
    pluginRevision: a.pluginRevision,
    serviceExecutionRoleArn: a.serviceExecutionRoleArn,
    subnets: a.vpc.subnets,
    securityGroups: a.vpc.securityGroups,
    ...(a.logGroup ? { logGroup: a.logGroup } : {}),
  };
}

/** What it takes to turn the observed connector into the desired one. */
export type ConnectorDiff = { kind: 'none' } | { kind: 'update'; change: ConnectorChange; field: 'capacity' | 'configuration' } | { kind: 'replace'; fields: string[] };

const sameList = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const sameMap = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
const sameCapacity = (a: ConnectorCapacity, b: ConnectorCapacity) => JSON.stringify(a) === JSON.stringify(b);

/** Fields UpdateConnector cannot change: any difference there means delete and create. */
function replacedFields(d: ConnectorModel, o: ConnectorModel): string[] {
  const checks: [string, boolean][] = [
    ['bootstrapServers', sameList(d.bootstrapServers.split(','), o.bootstrapServers.split(','))],
    ['authentication', d.authentication === o.authentication],
    ['encryption', d.encryption === o.encryption],
    ['kafkaConnectVersion', d.kafkaConnectVersion === o.kafkaConnectVersion],
    ['plugin', d.pluginArn === o.pluginArn && d.pluginRevision === o.pluginRevision],
    ['serviceExecutionRoleArn', d.serviceExecutionRoleArn === o.serviceExecutionRoleArn],
    ['subnets', sameList(d.subnets, o.subnets)],
    ['securityGroups', sameList(d.securityGroups, o.securityGroups)],
    ['logGroup', (d.logGroup ?? '') === (o.logGroup ?? '')],
  ];
  return checks.filter(([, same]) => !same).map(([field]) => field);
}

/**
 * Pure: nothing, an update (UpdateConnector takes capacity or configuration,
 * one per call — capacity first, the configuration on a later pass), or a
 * replacement for everything else.
 */
export function diffConnector(desired: ConnectorModel, observed: ConnectorModel): ConnectorDiff {
  const replace = replacedFields(desired, observed);
  if (replace.length > 0) return { kind: 'replace', fields: replace };
  if (!sameCapacity(desired.capacity, observed.capacity)) return { kind: 'update', field: 'capacity', change: { capacity: desired.capacity } };
  if (!sameMap(desired.configuration, observed.configuration)) return { kind: 'update', field: 'configuration', change: { configuration: desired.configuration } };
  return { kind: 'none' };
}

/** The status.connector block for an observed connector. */
export function connectorStatus(o: Pick<ConnectorObserved, 'arn' | 'state' | 'stateMessage'>): { arn: string; state: string; message?: string } {
  return { arn: o.arn, state: o.state, ...(o.stateMessage ? { message: o.stateMessage.slice(0, 4096) } : {}) };
}
