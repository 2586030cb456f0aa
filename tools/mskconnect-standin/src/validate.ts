import { badRequest, validationError } from './errors.js';

/** Capacity as CreateConnector takes it and DescribeConnector returns it. */
export interface Capacity {
  autoScaling?: {
    maxWorkerCount: number;
    minWorkerCount: number;
    mcuCount: number;
    scaleInPolicy?: { cpuUtilizationPercentage: number };
    scaleOutPolicy?: { cpuUtilizationPercentage: number };
    maxAutoscalingTaskCount?: number;
  };
  provisionedCapacity?: { mcuCount: number; workerCount: number };
}

/** The CreateConnector members the stand-in keeps (others are accepted and echoed). */
export interface CreateConnectorInput {
  capacity: Capacity;
  connectorConfiguration: Record<string, string>;
  connectorName: string;
  connectorDescription?: string;
  kafkaCluster: { apacheKafkaCluster: { bootstrapServers: string; vpc: { subnets: string[]; securityGroups?: string[] } } };
  kafkaClusterClientAuthentication: { authenticationType: string };
  kafkaClusterEncryptionInTransit: { encryptionType: string };
  kafkaConnectVersion: string;
  plugins: { customPlugin: { customPluginArn: string; revision: number } }[];
  serviceExecutionRoleArn: string;
  logDelivery?: unknown;
  workerConfiguration?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MCU = [1, 2, 4, 8];

function required(obj: Obj, key: string, path: string): unknown {
  const v = obj[key];
  if (v === undefined || v === null) throw validationError(path, v, 'Member must not be null');
  return v;
}

function str(obj: Obj, key: string, path: string, [min, max]: [number, number] = [0, Infinity]): string {
  const v = required(obj, key, path);
  if (typeof v !== 'string') throw validationError(path, v, 'Member must be a string');
  if (v.length < min) throw validationError(path, v, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw validationError(path, v, `Member must have length less than or equal to ${max}`);
  return v;
}

function int(obj: Obj, key: string, path: string, [min, max]: [number, number]): number {
  const v = required(obj, key, path);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validationError(path, v, 'Member must be an integer');
  if (v < min) throw validationError(path, v, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw validationError(path, v, `Member must have value less than or equal to ${max}`);
  return v;
}

function obj(parent: Obj, key: string, path: string): Obj {
  const v = required(parent, key, path);
  if (!isObj(v)) throw validationError(path, v, 'Member must be a structure');
  return v;
}

function mcu(o: Obj, path: string): number {
  const n = int(o, 'mcuCount', `${path}.mcuCount`, [1, 8]);
  if (!MCU.includes(n)) throw badRequest(`${path}.mcuCount must be one of 1, 2, 4, 8, got ${n}`);
  return n;
}

/** Validates a capacity (create or update): exactly one of autoScaling or provisionedCapacity. */
export function parseCapacity(raw: unknown, path = 'capacity'): Capacity {
  if (!isObj(raw)) throw validationError(path, raw, 'Member must not be null');
  const hasAuto = raw['autoScaling'] !== undefined && raw['autoScaling'] !== null;
  const hasProv = raw['provisionedCapacity'] !== undefined && raw['provisionedCapacity'] !== null;
  if (hasAuto === hasProv) throw badRequest(`Exactly one of ${path}.autoScaling or ${path}.provisionedCapacity must be specified.`);
  if (hasProv) {
    const p = obj(raw, 'provisionedCapacity', `${path}.provisionedCapacity`);
    return { provisionedCapacity: { mcuCount: mcu(p, `${path}.provisionedCapacity`), workerCount: int(p, 'workerCount', `${path}.provisionedCapacity.workerCount`, [1, 10]) } };
  }
  const a = obj(raw, 'autoScaling', `${path}.autoScaling`);
  const min = int(a, 'minWorkerCount', `${path}.autoScaling.minWorkerCount`, [1, 10]);
  const max = int(a, 'maxWorkerCount', `${path}.autoScaling.maxWorkerCount`, [1, 10]);
  if (min > max) throw badRequest(`${path}.autoScaling.minWorkerCount must not exceed maxWorkerCount.`);
  const policy = (key: string) => {
    const p = a[key];
    // AWS fills in its defaults (scale in at 20 %, out at 80 %) when a policy is left out.
    if (!isObj(p)) return { cpuUtilizationPercentage: key === 'scaleInPolicy' ? 20 : 80 };
    return { cpuUtilizationPercentage: int(p, 'cpuUtilizationPercentage', `${path}.autoScaling.${key}.cpuUtilizationPercentage`, [1, 100]) };
  };
  return {
    autoScaling: { minWorkerCount: min, maxWorkerCount: max, mcuCount: mcu(a, `${path}.autoScaling`), scaleInPolicy: policy('scaleInPolicy'), scaleOutPolicy: policy('scaleOutPolicy') },
  };
}

/** Validates a connector configuration: a non-empty map of strings to strings. */
export function parseConfiguration(raw: unknown, path = 'connectorConfiguration'): Record<string, string> {
  if (!isObj(raw)) throw validationError(path, raw, 'Member must not be null');
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw validationError(`${path}.${k}`, v, 'Member must be a string');
  }
  if (Object.keys(raw).length === 0) throw badRequest(`${path} must not be empty.`);
  return raw as Record<string, string>;
}

function enumOf(o: Obj, key: string, path: string, values: string[]): string {
  const v = str(o, key, path);
  if (!values.includes(v)) throw validationError(path, v, `Member must satisfy enum value set: [${values.join(', ')}]`);
  return v;
}

function parseKafkaCluster(body: Obj): CreateConnectorInput['kafkaCluster'] {
  const apache = obj(obj(body, 'kafkaCluster', 'kafkaCluster'), 'apacheKafkaCluster', 'kafkaCluster.apacheKafkaCluster');
  const bootstrapServers = str(apache, 'bootstrapServers', 'kafkaCluster.apacheKafkaCluster.bootstrapServers', [1, Infinity]);
  const vpc = obj(apache, 'vpc', 'kafkaCluster.apacheKafkaCluster.vpc');
  const subnets = required(vpc, 'subnets', 'kafkaCluster.apacheKafkaCluster.vpc.subnets');
  if (!Array.isArray(subnets) || subnets.length === 0 || !subnets.every((s) => typeof s === 'string')) {
    throw validationError('kafkaCluster.apacheKafkaCluster.vpc.subnets', subnets, 'Member must be a non-empty list of strings');
  }
  const sgs = Array.isArray(vpc['securityGroups']) ? (vpc['securityGroups'] as string[]) : [];
  return { apacheKafkaCluster: { bootstrapServers, vpc: { subnets: subnets as string[], securityGroups: sgs } } };
}

function parsePlugins(body: Obj): CreateConnectorInput['plugins'] {
  const plugins = required(body, 'plugins', 'plugins');
  if (!Array.isArray(plugins) || plugins.length !== 1) throw badRequest('plugins must hold exactly one plugin.');
  const custom = obj(plugins[0] as Obj, 'customPlugin', 'plugins.0.customPlugin');
  const customPluginArn = str(custom, 'customPluginArn', 'plugins.0.customPlugin.customPluginArn', [1, Infinity]);
  if (!/^arn:aws[a-z-]*:kafkaconnect:[a-z0-9-]+:\d{12}:custom-plugin\/\S+$/.test(customPluginArn)) {
    throw badRequest(`Invalid custom plugin ARN: ${customPluginArn}`);
  }
  return [{ customPlugin: { customPluginArn, revision: int(custom, 'revision', 'plugins.0.customPlugin.revision', [1, Number.MAX_SAFE_INTEGER]) } }];
}

/** Validates a CreateConnector body as MSK Connect does: required members first, then their constraints. */
export function parseCreateConnector(raw: unknown): CreateConnectorInput {
  if (!isObj(raw)) throw badRequest('The request body must be a JSON object.');
  const body = raw;
  // Presence is checked for every required member before any value, as the service does.
  for (const key of ['capacity', 'connectorConfiguration', 'connectorName', 'kafkaCluster', 'kafkaClusterClientAuthentication', 'kafkaClusterEncryptionInTransit', 'kafkaConnectVersion', 'plugins', 'serviceExecutionRoleArn']) {
    required(body, key, key);
  }
  const role = str(body, 'serviceExecutionRoleArn', 'serviceExecutionRoleArn', [1, Infinity]);
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(role)) throw badRequest(`Invalid service execution role ARN: ${role}`);
  const description = body['connectorDescription'];
  if (description !== undefined && (typeof description !== 'string' || description.length > 1024)) {
    throw validationError('connectorDescription', description, 'Member must have length less than or equal to 1024');
  }
  return {
    capacity: parseCapacity(body['capacity']),
    connectorConfiguration: parseConfiguration(body['connectorConfiguration']),
    connectorName: str(body, 'connectorName', 'connectorName', [1, 128]),
    ...(typeof description === 'string' ? { connectorDescription: description } : {}),
    kafkaCluster: parseKafkaCluster(body),
    kafkaClusterClientAuthentication: {
      authenticationType: enumOf(obj(body, 'kafkaClusterClientAuthentication', 'kafkaClusterClientAuthentication'), 'authenticationType', 'kafkaClusterClientAuthentication.authenticationType', ['NONE', 'IAM']),
    },
    kafkaClusterEncryptionInTransit: {
      encryptionType: enumOf(obj(body, 'kafkaClusterEncryptionInTransit', 'kafkaClusterEncryptionInTransit'), 'encryptionType', 'kafkaClusterEncryptionInTransit.encryptionType', ['PLAINTEXT', 'TLS']),
    },
    kafkaConnectVersion: enumOf(body, 'kafkaConnectVersion', 'kafkaConnectVersion', ['2.7.1', '3.7.x']),
    plugins: parsePlugins(body),
    serviceExecutionRoleArn: role,
    ...(body['logDelivery'] !== undefined ? { logDelivery: body['logDelivery'] } : {}),
    ...(body['workerConfiguration'] !== undefined ? { workerConfiguration: body['workerConfiguration'] } : {}),
  };
}

/** What UpdateConnector may change: exactly one of capacity or connectorConfiguration. */
export type ConnectorUpdate = { capacity: Capacity } | { connectorConfiguration: Record<string, string> };

/** Validates an UpdateConnector body. */
export function parseUpdateConnector(raw: unknown): ConnectorUpdate {
  const body = isObj(raw) ? raw : {};
  const hasCap = body['capacity'] !== undefined && body['capacity'] !== null;
  const hasConf = body['connectorConfiguration'] !== undefined && body['connectorConfiguration'] !== null;
  if (hasCap === hasConf) throw badRequest('Specify exactly one of capacity or connectorConfiguration in the request body.');
  return hasCap ? { capacity: parseCapacity(body['capacity']) } : { connectorConfiguration: parseConfiguration(body['connectorConfiguration']) };
}
