import {
  BadRequestException,
  ConflictException,
  CreateConnectorCommand,
  DeleteConnectorCommand,
  DescribeConnectorCommand,
  KafkaConnectClient,
  ListConnectorsCommand,
  NotFoundException,
  TooManyRequestsException,
  UpdateConnectorCommand,
  paginateListConnectors,
  type CreateConnectorCommandInput,
} from '@aws-sdk/client-kafkaconnect';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MskConnect } from './model.js';
import { buildMskConnectApp } from './server.js';
import { startMskConnectStandin, type MskConnectStandin } from './index.js';

const createInput = (name: string): CreateConnectorCommandInput => ({
  connectorName: name,
  capacity: { provisionedCapacity: { mcuCount: 1, workerCount: 1 } },
  connectorConfiguration: { 'connector.class': 'io.confluent.connect.hdfs3.Hdfs3SinkConnector', 'flush.size': '1000' },
  kafkaCluster: { apacheKafkaCluster: { bootstrapServers: 'b-1:9098', vpc: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } } },
  kafkaClusterClientAuthentication: { authenticationType: 'IAM' },
  kafkaClusterEncryptionInTransit: { encryptionType: 'TLS' },
  kafkaConnectVersion: '3.7.x',
  plugins: [{ customPlugin: { customPluginArn: 'arn:aws:kafkaconnect:us-east-1:123456789012:custom-plugin/hdfs3/abc-1', revision: 1 } }],
  serviceExecutionRoleArn: 'arn:aws:iam::123456789012:role/msk-connect',
});

describe('the kafkaconnect REST protocol (fastify inject)', () => {
  const msk = new MskConnect({ createMs: null, updateMs: null, deleteMs: null });
  const app = buildMskConnectApp(msk);
  afterAll(() => app.close());

  it('names the missing member with 400 BadRequestException and x-amzn-ErrorType', async () => {
    const { kafkaConnectVersion: _, ...body } = createInput('x');
    const res = await app.inject({ method: 'POST', url: '/v1/connectors', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(res.json()).toEqual({ message: expect.stringContaining("at 'kafkaConnectVersion' failed to satisfy constraint: Member must not be null") });
  });

  it('refuses both and neither of autoScaling/provisionedCapacity, and a bad mcuCount', async () => {
    const both = { ...createInput('x'), capacity: { provisionedCapacity: { mcuCount: 1, workerCount: 1 }, autoScaling: { minWorkerCount: 1, maxWorkerCount: 2, mcuCount: 1 } } };
    expect((await app.inject({ method: 'POST', url: '/v1/connectors', payload: both })).json().message).toMatch(/Exactly one of capacity/);
    const mcu = { ...createInput('x'), capacity: { provisionedCapacity: { mcuCount: 3, workerCount: 1 } } };
    const res = await app.inject({ method: 'POST', url: '/v1/connectors', payload: mcu });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/mcuCount must be one of 1, 2, 4, 8/);
  });

  it('paginates ListConnectors and filters by prefix', async () => {
    for (const n of ['p-a', 'p-b', 'p-c', 'q-a']) await app.inject({ method: 'POST', url: '/v1/connectors', payload: createInput(n) });
    const first = (await app.inject({ method: 'GET', url: '/v1/connectors?connectorNamePrefix=p-&maxResults=2' })).json();
    expect(first.connectors.map((c: { connectorName: string }) => c.connectorName)).toEqual(['p-a', 'p-b']);
    expect(first.connectors[0]).not.toHaveProperty('connectorConfiguration');
    const second = (await app.inject({ method: 'GET', url: `/v1/connectors?connectorNamePrefix=p-&maxResults=2&nextToken=${encodeURIComponent(first.nextToken)}` })).json();
    expect(second.connectors.map((c: { connectorName: string }) => c.connectorName)).toEqual(['p-c']);
    expect(second.nextToken).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/v1/connectors?maxResults=101' })).statusCode).toBe(400);
  });
});

describe('the real @aws-sdk/client-kafkaconnect against the stand-in', () => {
  let standin: MskConnectStandin;
  let client: KafkaConnectClient;
  beforeAll(async () => {
    standin = await startMskConnectStandin({ timing: { createMs: null, updateMs: null, deleteMs: null } });
    client = new KafkaConnectClient({ endpoint: standin.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await standin.stop();
  });
  afterEach(() => standin.msk.reset());

  it('creates, describes through the encoded ARN, and moves CREATING → RUNNING on the hook', async () => {
    const created = await client.send(new CreateConnectorCommand(createInput('sdk-a')));
    expect(created).toMatchObject({ connectorName: 'sdk-a', connectorState: 'CREATING' });
    expect(created.connectorArn).toMatch(/^arn:aws:kafkaconnect:us-east-1:123456789012:connector\/sdk-a\//);
    standin.advance('sdk-a');
    const d = await client.send(new DescribeConnectorCommand({ connectorArn: created.connectorArn! }));
    expect(d.connectorState).toBe('RUNNING');
    expect(d.creationTime).toBeInstanceOf(Date);
    expect(d.connectorConfiguration?.['flush.size']).toBe('1000');
    expect(d.capacity?.provisionedCapacity).toEqual({ mcuCount: 1, workerCount: 1 });
    expect(d.kafkaCluster?.apacheKafkaCluster?.vpc?.subnets).toEqual(['subnet-1']);
  });

  it('routes ARNs of the longest names (128 characters) through the path', async () => {
    const name = `n${'x'.repeat(127)}`;
    const { connectorArn } = await client.send(new CreateConnectorCommand(createInput(name)));
    expect((await client.send(new DescribeConnectorCommand({ connectorArn }))).connectorName).toBe(name);
  });

  it('refuses a duplicate name with ConflictException', async () => {
    await client.send(new CreateConnectorCommand(createInput('dup')));
    await expect(client.send(new CreateConnectorCommand(createInput('dup')))).rejects.toBeInstanceOf(ConflictException);
    const list = await client.send(new ListConnectorsCommand({ connectorNamePrefix: 'dup' }));
    expect(list.connectors).toHaveLength(1);
  });

  it('checks currentVersion on UpdateConnector, applies the change when UPDATING completes, and gives a new version', async () => {
    const { connectorArn } = await client.send(new CreateConnectorCommand(createInput('upd')));
    standin.advance('upd');
    const v1 = (await client.send(new DescribeConnectorCommand({ connectorArn }))).currentVersion!;
    const config = { ...createInput('upd').connectorConfiguration, 'flush.size': '50' };
    const stale = client.send(new UpdateConnectorCommand({ connectorArn, currentVersion: 'STALE', connectorConfiguration: config }));
    await expect(stale).rejects.toBeInstanceOf(BadRequestException);
    const both = client.send(new UpdateConnectorCommand({ connectorArn, currentVersion: v1, connectorConfiguration: config, capacity: { provisionedCapacity: { mcuCount: 2, workerCount: 1 } } }));
    await expect(both).rejects.toThrow(/exactly one of capacity or connectorConfiguration/);
    const up = await client.send(new UpdateConnectorCommand({ connectorArn, currentVersion: v1, connectorConfiguration: config }));
    expect(up.connectorState).toBe('UPDATING');
    await expect(client.send(new UpdateConnectorCommand({ connectorArn, currentVersion: v1, connectorConfiguration: config }))).rejects.toThrow(/state UPDATING/);
    standin.advance('upd');
    const d = await client.send(new DescribeConnectorCommand({ connectorArn }));
    expect(d.connectorState).toBe('RUNNING');
    expect(d.connectorConfiguration?.['flush.size']).toBe('50');
    expect(d.currentVersion).not.toBe(v1);
  });

  it('reports FAILED with its state description', async () => {
    const { connectorArn } = await client.send(new CreateConnectorCommand(createInput('bad')));
    standin.fail('bad', 'Invalid HDFS URL');
    const d = await client.send(new DescribeConnectorCommand({ connectorArn }));
    expect(d.connectorState).toBe('FAILED');
    expect(d.stateDescription?.message).toBe('Invalid HDFS URL');
  });

  it('deletes through DELETING, then DescribeConnector is NotFoundException', async () => {
    const { connectorArn } = await client.send(new CreateConnectorCommand(createInput('del')));
    standin.advance('del');
    await expect(client.send(new DeleteConnectorCommand({ connectorArn, currentVersion: 'NOPE' }))).rejects.toBeInstanceOf(BadRequestException);
    const del = await client.send(new DeleteConnectorCommand({ connectorArn }));
    expect(del.connectorState).toBe('DELETING');
    expect((await client.send(new DescribeConnectorCommand({ connectorArn }))).connectorState).toBe('DELETING');
    standin.advance('del');
    await expect(client.send(new DescribeConnectorCommand({ connectorArn }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('injects throttling and access denied per operation, then answers normally', async () => {
    standin.injectFault({ operation: 'ListConnectors', type: 'TooManyRequestsException', count: 1 });
    await expect(client.send(new ListConnectorsCommand({}))).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(client.send(new ListConnectorsCommand({}))).resolves.toMatchObject({ connectors: [] });
    standin.injectFault({ operation: 'CreateConnector', type: 'AccessDeniedException', count: 1 });
    const err = (await client.send(new CreateConnectorCommand(createInput('denied'))).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(err.name).toBe('AccessDeniedException');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/not authorized to perform: kafkaconnect:CreateConnector/);
    expect(standin.msk.list('denied')).toHaveLength(0);
  });

  it('pages through the SDK paginator', async () => {
    for (let i = 0; i < 5; i++) await client.send(new CreateConnectorCommand(createInput(`page-${i}`)));
    const names: string[] = [];
    for await (const page of paginateListConnectors({ client, pageSize: 2 }, { connectorNamePrefix: 'page-' })) {
      names.push(...(page.connectors ?? []).map((c) => c.connectorName!));
    }
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('completes transitions by itself after the configured delay', async () => {
    let now = 1_000_000;
    const msk = new MskConnect({ createMs: 100, updateMs: 100, deleteMs: 100 }, 'us-east-1', '123456789012', () => now);
    const c = msk.create(await import('./validate.js').then((v) => v.parseCreateConnector(createInput('timed'))));
    expect(msk.describe(c.arn).state).toBe('CREATING');
    now += 100;
    expect(msk.describe(c.arn).state).toBe('RUNNING');
    msk.delete(c.arn, undefined);
    now += 100;
    expect(() => msk.describe(c.arn)).toThrow(/can't be found/);
  });
});
