import {
  CreateConnectorCommand,
  DeleteConnectorCommand,
  DescribeConnectorCommand,
  paginateListConnectors,
  UpdateConnectorCommand,
  type CapacityDescription,
  type DescribeConnectorResponse,
  type KafkaConnectClient,
} from '@aws-sdk/client-kafkaconnect';
import { awsCall, AwsCallError } from '../errors.js';
import type { ConnectorApi, ConnectorCapacity, ConnectorChange, ConnectorModel, ConnectorObserved } from '../ports.js';

/** The ConnectorApi over @aws-sdk/client-kafkaconnect. */
export function kafkaConnectApi(client: KafkaConnectClient): ConnectorApi {
  const describe = async (arn: string): Promise<ConnectorObserved | undefined> => {
    try {
      const d = await awsCall('DescribeConnector', () => client.send(new DescribeConnectorCommand({ connectorArn: arn })));
      return fromDescription(d);
    } catch (err) {
      if (err instanceof AwsCallError && err.code === 'NotFoundException') return undefined;
      throw err;
    }
  };
  return {
    describe,
    async find(name) {
      const arn = await findArn(client, name);
      return arn === undefined ? undefined : describe(arn);
    },
    async create(c) {
      const out = await awsCall('CreateConnector', () => client.send(new CreateConnectorCommand(toCreateInput(c))));
      return { arn: out.connectorArn ?? '', state: out.connectorState ?? 'CREATING' };
    },
    async update(arn, currentVersion, change) {
      const out = await awsCall('UpdateConnector', () => client.send(new UpdateConnectorCommand({ connectorArn: arn, currentVersion, ...toUpdate(change) })));
      return { state: out.connectorState ?? 'UPDATING' };
    },
    async delete(arn) {
      try {
        await awsCall('DeleteConnector', () => client.send(new DeleteConnectorCommand({ connectorArn: arn })));
      } catch (err) {
        if (!(err instanceof AwsCallError && err.code === 'NotFoundException')) throw err;
      }
    },
  };
}

async function findArn(client: KafkaConnectClient, name: string): Promise<string | undefined> {
  return awsCall('ListConnectors', async () => {
    // The prefix may match longer names too (…-archive vs …-archive2): only the exact name is ours.
    for await (const page of paginateListConnectors({ client }, { connectorNamePrefix: name })) {
      const hit = (page.connectors ?? []).find((c) => c.connectorName === name);
      if (hit?.connectorArn) return hit.connectorArn;
    }
    return undefined;
  });
}

function toCapacityInput(c: ConnectorCapacity) {
  if (c.provisioned) return { provisionedCapacity: { workerCount: c.provisioned.workerCount, mcuCount: c.provisioned.mcuCount } };
  const a = c.autoscaling!;
  return {
    autoScaling: {
      minWorkerCount: a.minWorkers,
      maxWorkerCount: a.maxWorkers,
      mcuCount: a.mcuCount,
      scaleInPolicy: { cpuUtilizationPercentage: 20 },
      scaleOutPolicy: { cpuUtilizationPercentage: 80 },
    },
  };
}

function toCreateInput(c: ConnectorModel) {
  return {
    connectorName: c.name,
    connectorDescription: c.description,
    connectorConfiguration: c.configuration,
    capacity: toCapacityInput(c.capacity),
    kafkaCluster: { apacheKafkaCluster: { bootstrapServers: c.bootstrapServers, vpc: { subnets: c.subnets, securityGroups: c.securityGroups } } },
    kafkaClusterClientAuthentication: { authenticationType: c.authentication },
    kafkaClusterEncryptionInTransit: { encryptionType: c.encryption },
    kafkaConnectVersion: c.kafkaConnectVersion,
    plugins: [{ customPlugin: { customPluginArn: c.pluginArn, revision: c.pluginRevision } }],
    serviceExecutionRoleArn: c.serviceExecutionRoleArn,
    ...(c.logGroup ? { logDelivery: { workerLogDelivery: { cloudWatchLogs: { enabled: true, logGroup: c.logGroup } } } } : {}),
  };
}

function toUpdate(change: ConnectorChange) {
  return 'capacity' in change ? { capacity: toCapacityInput(change.capacity) } : { connectorConfiguration: change.configuration };
}

function fromCapacity(c: CapacityDescription | undefined): ConnectorCapacity {
  if (c?.provisionedCapacity) return { provisioned: { workerCount: c.provisionedCapacity.workerCount ?? 0, mcuCount: c.provisionedCapacity.mcuCount ?? 0 } };
  const a = c?.autoScaling;
  return { autoscaling: { minWorkers: a?.minWorkerCount ?? 0, maxWorkers: a?.maxWorkerCount ?? 0, mcuCount: a?.mcuCount ?? 0 } };
}

function identityOf(d: DescribeConnectorResponse): Pick<ConnectorObserved, 'arn' | 'name' | 'description' | 'state' | 'currentVersion' | 'createdAt' | 'stateMessage'> {
  return {
    arn: d.connectorArn ?? '',
    name: d.connectorName ?? '',
    description: d.connectorDescription ?? '',
    state: d.connectorState ?? 'UNKNOWN',
    currentVersion: d.currentVersion ?? '',
    ...(d.creationTime ? { createdAt: d.creationTime } : {}),
    ...(d.stateDescription?.message ? { stateMessage: d.stateDescription.message } : {}),
  };
}

function networkOf(d: DescribeConnectorResponse): Pick<ConnectorObserved, 'bootstrapServers' | 'authentication' | 'encryption' | 'subnets' | 'securityGroups'> {
  const apache = d.kafkaCluster?.apacheKafkaCluster ?? {};
  const vpc = apache.vpc ?? {};
  return {
    bootstrapServers: apache.bootstrapServers ?? '',
    authentication: d.kafkaClusterClientAuthentication?.authenticationType === 'IAM' ? 'IAM' : 'NONE',
    encryption: d.kafkaClusterEncryptionInTransit?.encryptionType === 'TLS' ? 'TLS' : 'PLAINTEXT',
    subnets: vpc.subnets ?? [],
    securityGroups: vpc.securityGroups ?? [],
  };
}

function runtimeOf(d: DescribeConnectorResponse): Pick<ConnectorObserved, 'kafkaConnectVersion' | 'pluginArn' | 'pluginRevision' | 'serviceExecutionRoleArn' | 'logGroup'> {
  const plugin = d.plugins?.[0]?.customPlugin ?? {};
  const logGroup = d.logDelivery?.workerLogDelivery?.cloudWatchLogs?.logGroup;
  return {
    kafkaConnectVersion: d.kafkaConnectVersion ?? '',
    pluginArn: plugin.customPluginArn ?? '',
    pluginRevision: plugin.revision ?? 0,
    serviceExecutionRoleArn: d.serviceExecutionRoleArn ?? '',
    ...(logGroup ? { logGroup } : {}),
  };
}

function fromDescription(d: DescribeConnectorResponse): ConnectorObserved {
  return { ...identityOf(d), ...networkOf(d), ...runtimeOf(d), configuration: d.connectorConfiguration ?? {}, capacity: fromCapacity(d.capacity) };
}
