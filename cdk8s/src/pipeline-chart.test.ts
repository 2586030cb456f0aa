import { readFileSync } from 'node:fs';
import { minimalPipelineManifest, parseDocumentPipeline, type DocumentPipeline } from '@docpipe/operator-api';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildPipelineChart } from './pipeline-chart.js';
import { toYamlStream } from './synth.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> }; spec: any; data?: Record<string, string> }; // eslint-disable-line @typescript-eslint/no-explicit-any

const examplePath = new URL('../../deploy/examples/pipeline.yaml', import.meta.url);
const example = (): DocumentPipeline => parseDocumentPipeline(parse(readFileSync(examplePath, 'utf8')));
const minimal = (edit: (m: ReturnType<typeof minimalPipelineManifest>) => void = () => {}): DocumentPipeline => {
  const manifest = minimalPipelineManifest();
  edit(manifest);
  return parseDocumentPipeline(manifest);
};
const synth = (pipeline: DocumentPipeline): Obj[] => Testing.synth(buildPipelineChart(Testing.app(), pipeline)) as Obj[];
const find = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

describe('buildPipelineChart', () => {
  it('makes every child with a deterministic <pipeline>-<component> name in the pipeline’s namespace', () => {
    const objects = synth(minimal());
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/demo-workload',
      'ConfigMap/demo-config',
      'Deployment/demo-gateway',
      'PodDisruptionBudget/demo-gateway',
      'NetworkPolicy/demo-gateway',
      'Deployment/demo-ingest',
      'PodDisruptionBudget/demo-ingest',
      'NetworkPolicy/demo-ingest',
      'Deployment/demo-docproc',
      'PodDisruptionBudget/demo-docproc',
      'NetworkPolicy/demo-docproc',
      'Deployment/demo-embedding',
      'PodDisruptionBudget/demo-embedding',
      'NetworkPolicy/demo-embedding',
      'Service/demo-gateway',
      'Service/demo-ingest',
      'ScaledObject/demo-docproc',
      'ScaledObject/demo-embedding',
    ]);
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['team-a']));
  });

  it('labels every child with the app.kubernetes.io set', () => {
    for (const o of synth(example())) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': 'docpipe',
        'app.kubernetes.io/instance': 'docpipe',
        'app.kubernetes.io/component': expect.any(String),
        'app.kubernetes.io/part-of': 'docpipe',
        'app.kubernetes.io/managed-by': 'docpipe-operator',
      });
    }
  });

  it('synthesizes byte-identical manifests from two builds of the same pipeline', () => {
    const first = toYamlStream(synth(example()));
    const second = toYamlStream(synth(example()));
    expect(second).toBe(first);
    expect(first).not.toMatch(/cdk8s\.io\/metadata\.addr|-c8[0-9a-f]{6}/);
  });

  it('runs every pod under the restricted Pod Security Standard with a read-only root and a writable /tmp', () => {
    const deployments = synth(example()).filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(4);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext, c.name).toEqual({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      }
      expect(pod.volumes[0]).toMatchObject({ name: 'tmp', emptyDir: {} });
      expect(pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    }
  });

  it('probes each service on its own port, /healthz for liveness and /readyz for readiness', () => {
    const objects = synth(minimal());
    const ports = Object.fromEntries(
      ['gateway', 'ingest', 'docproc', 'embedding'].map((c) => {
        const container = find(objects, 'Deployment', `demo-${c}`).spec.template.spec.containers[0];
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.livenessProbe.httpGet.port).toBe(container.ports[0].name);
        return [c, container.ports[0].containerPort];
      }),
    );
    expect(ports).toEqual({ gateway: 8080, ingest: 8081, docproc: 9090, embedding: 9091 });
  });

  it('leaves the workers’ replicas to KEDA and sets the HTTP services’ own', () => {
    const objects = synth(minimal((m) => void (m.spec.gateway = { replicas: 3 })));
    expect(find(objects, 'Deployment', 'demo-gateway').spec.replicas).toBe(3);
    expect(find(objects, 'Deployment', 'demo-ingest').spec.replicas).toBe(2);
    expect(find(objects, 'Deployment', 'demo-docproc').spec).not.toHaveProperty('replicas');
    expect(find(objects, 'Deployment', 'demo-embedding').spec).not.toHaveProperty('replicas');
  });

  it('gives each service its secrets from Secret keys, never as values', () => {
    const objects = synth(minimal((m) => Object.assign(m.spec.kafka, { auth: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka-user' } } })));
    const env = (c: string) => find(objects, 'Deployment', `demo-${c}`).spec.template.spec.containers[0].env as { name: string; valueFrom?: unknown }[];
    expect(env('ingest').find((e) => e.name === 'DATABASE_URL')?.valueFrom).toEqual({ secretKeyRef: { name: 'db', key: 'DATABASE_URL' } });
    expect(env('embedding').find((e) => e.name === 'OPENAI_API_KEY')?.valueFrom).toEqual({ secretKeyRef: { name: 'openai', key: 'OPENAI_API_KEY' } });
    expect(env('docproc').find((e) => e.name === 'KAFKA_SASL_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'kafka-user', key: 'password' } });
    expect(env('gateway').map((e) => e.name)).toEqual(['PORT']);
  });

  it('rolls the pods when the services’ configuration changes, and only then', () => {
    const digest = (p: DocumentPipeline) => find(synth(p), 'Deployment', 'demo-docproc').spec.template.metadata.annotations['docpipe.dev/config-sha256'];
    const base = digest(minimal());
    expect(digest(minimal())).toBe(base);
    expect(digest(minimal((m) => void (m.spec.chunking = { maxTokens: 256, overlapTokens: 32 })))).not.toBe(base);
    expect(find(synth(minimal()), 'ConfigMap', 'demo-config').data).toMatchObject({ CHUNK_MAX_TOKENS: '512', KAFKA_BROKERS: 'kafka.team-a.svc:9092', S3_BUCKET: 'team-a-docs', AWS_REGION: 'eu-west-1' });
  });

  it('makes the gateway Ingress only when asked, with its class, host, TLS and annotations', () => {
    expect(synth(minimal()).some((o) => o.kind === 'Ingress')).toBe(false);
    const ingress = find(
      synth(minimal((m) => void (m.spec.gateway = { ingress: { className: 'nginx', host: 'docs.example', tls: { secretName: 'docs-tls' }, annotations: { a: 'b' } } }))),
      'Ingress',
      'demo-gateway',
    );
    expect(ingress.metadata.annotations).toEqual({ a: 'b' });
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['docs.example'], secretName: 'docs-tls' }],
      rules: [{ host: 'docs.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'demo-gateway', port: { number: 8080 } } } }] } }],
    });
  });
});

describe('KEDA objects', () => {
  it('scales each worker on its consumer group’s lag on its input topic, from zero', () => {
    const objects = synth(minimal((m) => void (m.spec.docproc = { minReplicas: 0, maxReplicas: 4, lagThreshold: 7, activationLagThreshold: 2 })));
    expect(find(objects, 'ScaledObject', 'demo-docproc')).toMatchObject({
      apiVersion: 'keda.sh/v1alpha1',
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-docproc' },
        minReplicaCount: 0,
        maxReplicaCount: 4,
        triggers: [
          {
            type: 'kafka',
            metadata: {
              bootstrapServers: 'kafka.team-a.svc:9092',
              consumerGroup: 'docpipe-docproc',
              topic: 'documents.raw',
              lagThreshold: '7',
              activationLagThreshold: '2',
              offsetResetPolicy: 'earliest',
            },
          },
        ],
      },
    });
    const embedding = find(objects, 'ScaledObject', 'demo-embedding').spec.triggers[0];
    expect([embedding.metadata.consumerGroup, embedding.metadata.topic]).toEqual(['docpipe-embedding', 'chunks.processed']);
  });

  it('without SASL: no TriggerAuthentication and no sasl or tls metadata', () => {
    const objects = synth(minimal());
    expect(objects.some((o) => o.kind === 'TriggerAuthentication')).toBe(false);
    const trigger = find(objects, 'ScaledObject', 'demo-docproc').spec.triggers[0];
    expect(trigger.authenticationRef).toBeUndefined();
    expect(Object.keys(trigger.metadata)).not.toContain('sasl');
  });

  it('MSK IAM: aws_msk_iam over TLS in the region, with the workload’s IRSA role', () => {
    const objects = synth(example());
    expect(find(objects, 'TriggerAuthentication', 'docpipe-kafka-auth').spec).toEqual({ podIdentity: { provider: 'aws', identityOwner: 'workload' } });
    const trigger = find(objects, 'ScaledObject', 'docpipe-embedding').spec.triggers[0];
    expect(trigger.metadata).toMatchObject({ sasl: 'aws_msk_iam', tls: 'enable', awsRegion: 'eu-west-1' });
    expect(trigger.authenticationRef).toEqual({ name: 'docpipe-kafka-auth' });
  });

  it('SCRAM: the credentials from the pipeline’s Secret', () => {
    const objects = synth(
      minimal((m) => Object.assign(m.spec.kafka, { tls: true, auth: { mechanism: 'scram-sha-256', secretRef: { name: 'kafka-user', usernameKey: 'user', passwordKey: 'pass' } } })),
    );
    expect(find(objects, 'TriggerAuthentication', 'demo-kafka-auth').spec).toEqual({
      secretTargetRef: [
        { parameter: 'username', name: 'kafka-user', key: 'user' },
        { parameter: 'password', name: 'kafka-user', key: 'pass' },
      ],
    });
    expect(find(objects, 'ScaledObject', 'demo-docproc').spec.triggers[0].metadata).toMatchObject({ sasl: 'scram_sha256', tls: 'enable' });
  });
});

describe('NetworkPolicies and disruption budgets', () => {
  const objects = synth(minimal());
  const pick = (component: string) => ({
    'app.kubernetes.io/name': 'docpipe',
    'app.kubernetes.io/instance': 'demo',
    'app.kubernetes.io/component': component,
  });

  it('lets anyone reach the gateway on its port', () => {
    expect(find(objects, 'NetworkPolicy', 'demo-gateway').spec).toEqual({
      podSelector: { matchLabels: pick('gateway') },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [{}],
    });
  });

  it('lets only the gateway reach ingest', () => {
    expect(find(objects, 'NetworkPolicy', 'demo-ingest').spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: pick('gateway') } }], ports: [{ protocol: 'TCP', port: 8081 }] }]);
  });

  it('opens the workers only on their metrics port', () => {
    expect(find(objects, 'NetworkPolicy', 'demo-docproc').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9090 }] }]);
    expect(find(objects, 'NetworkPolicy', 'demo-embedding').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9091 }] }]);
  });

  it('selects the same pods as the Deployments and Services', () => {
    for (const c of ['gateway', 'ingest']) {
      expect(find(objects, 'Service', `demo-${c}`).spec.selector).toEqual(pick(c));
    }
    for (const c of ['gateway', 'ingest', 'docproc', 'embedding']) {
      expect(find(objects, 'Deployment', `demo-${c}`).spec.selector.matchLabels).toEqual(pick(c));
      expect(find(objects, 'PodDisruptionBudget', `demo-${c}`).spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: pick(c) } });
    }
  });
});

describe('the example pipeline', () => {
  it('synthesizes to the reviewed snapshot (cdk8s/test/__snapshots__/example-pipeline.yaml)', async () => {
    await expect(toYamlStream(synth(example()))).toMatchFileSnapshot('../test/__snapshots__/example-pipeline.yaml');
  });
});
