import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMskConnectStandin, type MskConnectStandin } from '../../../tools/mskconnect-standin/src/index.js';
import { awsPipelineManifest, FINALIZER, motoEndpoint, PIPELINE } from './aws-helpers.js';
import { getJson, kubectl, waitFor, waitForCondition } from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// The operator AS A PROCESS (node operator/dist/main.js) with the AWS endpoints
// redirected by the SDK's own variables: proves main.ts wires the AWS parts.

let suite: OperatorSuite | undefined;
let namespace: string;
let standin: MskConnectStandin;

beforeAll(async () => {
  // Real-time transitions: nobody advances the stand-in here.
  standin = await startMskConnectStandin({ timing: { createMs: 1000, updateMs: 500, deleteMs: 500 } });
  const moto = motoEndpoint();
  suite = await startOperatorSuite('aws-process', {
    operator: {
      resyncSeconds: 2,
      env: {
        AWS_ENDPOINT_URL_KAFKACONNECT: standin.url,
        AWS_ENDPOINT_URL_EMR: moto,
        AWS_ENDPOINT_URL_S3: moto,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  });
  namespace = suite.namespace;
});

afterAll(async () => {
  const code = await suite?.close();
  await standin?.stop();
  expect(code).toBe(0);
});

describe('the operator process with an archive section', () => {
  it('creates the MSK Connect connector and reports it RUNNING, then deletes it with the pipeline', async () => {
    const manifest = awsPipelineManifest({ namespace, clusterId: 'j-UNUSED', bucket: 'unused' }, (spec) => delete spec['analytics']);
    kubectl(['apply', '-f', '-'], manifest);
    const name = `docpipe-${namespace}-${PIPELINE}-archive`;

    const ready = await waitForCondition({ namespace, name: PIPELINE }, 'ArchiveReady', 'True', { message: /RUNNING/ });
    expect(ready.reason).toBe('Running');
    const view = getJson<{ metadata: { finalizers?: string[] }; status: { connector?: { arn?: string; state?: string } } }>(['documentpipeline', PIPELINE, '-n', namespace]);
    const connectors = standin.msk.list(name);
    expect(connectors).toHaveLength(1);
    expect(view.status.connector).toEqual({ arn: connectors[0]!.arn, state: 'RUNNING' });
    expect(view.metadata.finalizers).toContain(FINALIZER);
    expect(connectors[0]!.input.connectorConfiguration['connector.class']).toBe('io.confluent.connect.hdfs3.Hdfs3SinkConnector');

    kubectl(['delete', 'documentpipeline', PIPELINE, '-n', namespace, '--wait=false']);
    await waitFor('the pipeline gone', () => (kubectl(['get', 'documentpipelines', '-n', namespace, '-o', 'name']).trim() === '' ? true : undefined));
    expect(standin.msk.list(name)).toEqual([]);
    expect(standin.msk.calls.DeleteConnector).toBeGreaterThanOrEqual(1);
  });
});
