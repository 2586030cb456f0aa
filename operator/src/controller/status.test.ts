import { minimalPipelineManifest, parseDocumentPipeline } from '@docpipe/operator-api';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './ports.js';
import { buildStatus, deploymentCondition, kubeTime, stampConditions, statusEqual, summarize, uploadUrl, type PartCondition } from './status.js';

const deployment = (fields: { generation?: number; replicas?: number; observed?: number; available?: number }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', generation: fields.generation ?? 1 },
  spec: fields.replicas === undefined ? {} : { replicas: fields.replicas },
  status: { observedGeneration: fields.observed ?? 1, availableReplicas: fields.available ?? 0, readyReplicas: fields.available ?? 0 },
});

const T0 = new Date('2026-11-28T10:00:00.123Z');
const T1 = new Date('2026-11-28T10:05:00Z');
const ok = (type: PartCondition['type']): PartCondition => ({ type, status: 'True', reason: 'Available', message: 'fine' });

describe('deploymentCondition', () => {
  it('is True with an available replica at the current generation', () => {
    expect(deploymentCondition('gateway', deployment({ replicas: 2, available: 1 }))).toEqual({
      type: 'GatewayReady',
      status: 'True',
      reason: 'Available',
      message: '1/2 replicas available',
    });
  });

  it('is False while the controller has not seen the new generation, even with replicas up', () => {
    expect(deploymentCondition('ingest', deployment({ generation: 3, observed: 2, available: 2 })).reason).toBe('RolloutPending');
  });

  it('is False when missing or with nothing available', () => {
    expect(deploymentCondition('docproc', undefined).reason).toBe('NotFound');
    expect(deploymentCondition('docproc', deployment({ available: 0 }), 1).status).toBe('False');
  });

  it('counts a worker scaled to zero as ready only when minReplicas is 0', () => {
    expect(deploymentCondition('embedding', deployment({ replicas: 0 }), 0)).toMatchObject({ status: 'True', reason: 'ScaledToZero' });
    expect(deploymentCondition('embedding', deployment({ replicas: 0 }), 1).status).toBe('False');
  });
});

describe('summarize', () => {
  it('is Ready when every part is and nothing failed', () => {
    const [ready, progressing, degraded] = summarize([ok('TopicsReady'), ok('GatewayReady')], []);
    expect([ready!.status, progressing!.status, degraded!.status]).toEqual(['True', 'False', 'False']);
  });

  it('is Progressing and names the parts it waits for', () => {
    const [ready, progressing] = summarize([ok('TopicsReady'), { type: 'GatewayReady', status: 'False', reason: 'Unavailable', message: '0/2' }], []);
    expect(ready).toMatchObject({ status: 'False', reason: 'PartsNotReady', message: 'GatewayReady: 0/2' });
    expect(progressing!.status).toBe('True');
  });

  it('is Degraded and never Ready after an error, even if every part looks ready', () => {
    const [ready, , degraded] = summarize([ok('GatewayReady')], [{ reason: 'ApplyFailed', message: 'Service x: forbidden' }]);
    expect(ready).toMatchObject({ status: 'False', reason: 'ApplyFailed' });
    expect(degraded).toMatchObject({ status: 'True', message: 'Service x: forbidden' });
  });
});

describe('stampConditions', () => {
  it('keeps lastTransitionTime while the status stays, moves it when it flips', () => {
    const first = stampConditions([ok('GatewayReady')], [], T0, 1);
    expect(first[0]).toMatchObject({ lastTransitionTime: '2026-11-28T10:00:00Z', observedGeneration: 1 });
    const same = stampConditions([{ ...ok('GatewayReady'), message: 'other words' }], first, T1, 2);
    expect(same[0]!.lastTransitionTime).toBe('2026-11-28T10:00:00Z');
    const flipped = stampConditions([{ ...ok('GatewayReady'), status: 'False' }], first, T1, 2);
    expect(flipped[0]!.lastTransitionTime).toBe(kubeTime(T1));
  });
});

describe('buildStatus', () => {
  const pipeline = parseDocumentPipeline(minimalPipelineManifest('demo', 'team-a'));
  const input = {
    generation: 4,
    now: T0,
    parts: [ok('TopicsReady'), ok('GatewayReady')],
    problems: [],
    replicas: { gateway: 2, ingest: 2, docproc: 0, embedding: 0 },
    uploadUrl: uploadUrl(pipeline),
  };

  it('reports generation, ordered conditions, replicas and the upload URL', () => {
    const status = buildStatus(input);
    expect(status.observedGeneration).toBe(4);
    expect(status.conditions!.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Degraded', 'TopicsReady', 'GatewayReady']);
    expect(status.uploadUrl).toBe('http://demo-gateway.team-a.svc:8080/ingest/upload');
    expect(status.replicas).toEqual(input.replicas);
  });

  it('is equal to the previous status when nothing changed, later in time (no write on resync)', () => {
    const first = buildStatus(input);
    const again = buildStatus({ ...input, previous: JSON.parse(JSON.stringify(first)), now: T1 });
    expect(statusEqual(first, again)).toBe(true);
    expect(statusEqual(first, buildStatus({ ...input, previous: first, generation: 5 }))).toBe(false);
  });

  it('keeps the previous part conditions when asked (an invalid spec evaluates none)', () => {
    const first = buildStatus(input);
    const invalid = buildStatus({ generation: 5, previous: first, now: T1, parts: [], problems: [{ reason: 'InvalidSpec', message: 'spec.x: bad' }], keepPreviousParts: true });
    expect(invalid.conditions!.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=False', 'Progressing=False', 'Degraded=True', 'TopicsReady=True', 'GatewayReady=True']);
    expect(invalid.conditions!.find((c) => c.type === 'TopicsReady')!.lastTransitionTime).toBe('2026-11-28T10:00:00Z');
  });

  it('lays part statuses over the previous ones, and a part may clear its own', () => {
    const previous = { connector: { arn: 'arn:1', state: 'CREATING' }, steps: { streaming: { id: 's-1' } } };
    const status = buildStatus({ ...input, previous, external: [{ connector: { arn: 'arn:1', state: 'RUNNING' } }] });
    expect(status.connector).toEqual({ arn: 'arn:1', state: 'RUNNING' });
    expect(status.steps).toEqual({ streaming: { id: 's-1' } });
    expect(buildStatus({ ...input, previous, external: [{ connector: undefined }] }).connector).toBeUndefined();
  });
});

describe('uploadUrl', () => {
  it('uses the Ingress host, https with TLS or an ALB certificate', () => {
    const m = minimalPipelineManifest();
    const withIngress = (ingress: object) => parseDocumentPipeline({ ...m, spec: { ...m.spec, gateway: { ingress } } });
    expect(uploadUrl(withIngress({ host: 'docs.example' }))).toBe('http://docs.example/ingest/upload');
    expect(uploadUrl(withIngress({ host: 'docs.example', tls: { secretName: 't' } }))).toBe('https://docs.example/ingest/upload');
    expect(uploadUrl(withIngress({ host: 'd.example', annotations: { 'alb.ingress.kubernetes.io/certificate-arn': 'arn' } }))).toMatch(/^https:/);
  });
});
