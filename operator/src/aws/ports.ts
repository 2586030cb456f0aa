/** Capacity of a connector, in the spec's terms. */
export interface ConnectorCapacity {
  autoscaling?: { minWorkers: number; maxWorkers: number; mcuCount: number };
  provisioned?: { workerCount: number; mcuCount: number };
}

/** Everything the operator sets on an MSK Connect connector. */
export interface ConnectorModel {
  name: string;
  /** Carries the owning pipeline (and the attempt), so a name collision is detected rather than adopted. */
  description: string;
  configuration: Record<string, string>;
  capacity: ConnectorCapacity;
  bootstrapServers: string;
  authentication: 'NONE' | 'IAM';
  encryption: 'PLAINTEXT' | 'TLS';
  kafkaConnectVersion: string;
  pluginArn: string;
  pluginRevision: number;
  serviceExecutionRoleArn: string;
  subnets: string[];
  securityGroups: string[];
  logGroup?: string;
}

/** A connector as DescribeConnector reports it. */
export interface ConnectorObserved extends ConnectorModel {
  arn: string;
  state: string;
  currentVersion: string;
  createdAt?: Date;
  stateMessage?: string;
}

/** What UpdateConnector can change, one at a time. */
export type ConnectorChange = { capacity: ConnectorCapacity } | { configuration: Record<string, string> };

/** MSK Connect as the archive part needs it (adapter: @aws-sdk/client-kafkaconnect). */
export interface ConnectorApi {
  /** The connector with exactly this name (ListConnectors by prefix, then DescribeConnector); undefined when none. */
  find(name: string): Promise<ConnectorObserved | undefined>;
  /** DescribeConnector; undefined on NotFound. */
  describe(arn: string): Promise<ConnectorObserved | undefined>;
  create(connector: ConnectorModel): Promise<{ arn: string; state: string }>;
  update(arn: string, currentVersion: string, change: ConnectorChange): Promise<{ state: string }>;
  /** DeleteConnector; resolves when accepted (or already gone). */
  delete(arn: string): Promise<void>;
}

export type StepState = 'PENDING' | 'CANCEL_PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'INTERRUPTED';

/** States in which a step still holds (or will hold) its job. */
export const ACTIVE_STEP_STATES: readonly StepState[] = ['PENDING', 'CANCEL_PENDING', 'RUNNING'];

/** An EMR step as ListSteps reports it. */
export interface EmrStep {
  id: string;
  name: string;
  state: StepState;
  args: string[];
  createdAt?: Date;
  endedAt?: Date;
  message?: string;
}

/** A command-runner.jar step to add. */
export interface StepToAdd {
  name: string;
  args: string[];
}

/** EMR steps as the analytics part needs them (adapter: @aws-sdk/client-emr). */
export interface EmrApi {
  /** Every step of the cluster (all pages), newest first; only these states when given. */
  listSteps(clusterId: string, states?: readonly StepState[]): Promise<EmrStep[]>;
  /** AddJobFlowSteps with ActionOnFailure CONTINUE; returns the step id. */
  addStep(clusterId: string, step: StepToAdd): Promise<string>;
  /** CancelSteps (SEND_INTERRUPT, so the client's shutdown hooks run). */
  cancelSteps(clusterId: string, stepIds: string[]): Promise<void>;
}

/** Where job scripts go (adapter: @aws-sdk/client-s3). */
export interface ScriptStore {
  /** HeadObject: true when the object exists. */
  exists(bucket: string, key: string): Promise<boolean>;
  put(bucket: string, key: string, body: Buffer): Promise<void>;
}
