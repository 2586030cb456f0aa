// The operator's install side against a real kube-apiserver (scripts/kube.sh):
// the Helm chart (lint, render, schema, server-side dry run, RBAC as installed),
// the pipeline manifests `npm run synth` writes, the CRD's validation, and the
// Argo CD health check in a real Lua interpreter.
//   DOCPIPE_STACK_COMPONENTS='kube' DOCPIPE_KEEP_STACK=1 npx vitest run --config vitest.stack.config.ts test/stack/operator-install.test.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOperatorChart, OPERATOR_CLUSTER_RULES, OPERATOR_NAMESPACE_RULES, pipelineManifests } from '@docpipe/cdk8s';
import { minimalPipelineManifest, parseDocumentPipeline } from '@docpipe/operator-api';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackEnv } from './env.js';
import { runHealthScript } from './operator-install/lua.js';
import {
  canI,
  CHART,
  find,
  helm,
  kubectl,
  kubectlOk,
  parseStream,
  renderChart,
  REPO,
  templateArgs,
  toStream,
  uniqueName,
  type KubeObject,
} from './operator-install/tools.js';

const ALL_VALUES = join(REPO, 'test/stack/operator-install/all-values.yaml');
const CRD_FILE = 'crds/docpipe.dev_documentpipelines.yaml';
const HEALTH_DIR = join(REPO, 'deploy/argocd/health/docpipe.dev/DocumentPipeline');
const HEALTH_KEY = 'resource.customizations.health.docpipe.dev_DocumentPipeline';
const DEFAULT_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'];
const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

type Container = { name: string; image: string; env: { name: string; value?: string }[]; [field: string]: unknown };
type PodSpec = { containers: Container[]; [field: string]: unknown };
const podSpecOf = (deployment: KubeObject): PodSpec => (deployment['spec'] as { template: { spec: PodSpec } }).template.spec;

/** `kubectl apply --dry-run=server`: the number of objects the API server accepted, or throws with its refusal. */
function serverDryRun(objects: readonly unknown[]): number {
  const out = kubectlOk(['apply', '--dry-run=server', '-f', '-'], toStream(objects));
  return out.split('\n').filter((line) => line.endsWith('(server dry run)')).length;
}

function createNamespace(prefix: string): string {
  const namespace = uniqueName(prefix);
  kubectlOk(['create', 'namespace', namespace]);
  return namespace;
}

function deleteNamespace(namespace: string | undefined): void {
  if (namespace !== undefined) kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
}

/** The CRD, applied for real: cluster-scoped and shared by every run, so applied idempotently and never deleted. */
function ensureCrd(): void {
  kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=docpipe-stack-tests', '-f', CRD_FILE]);
  kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/documentpipelines.docpipe.dev']);
}

describe('the Helm chart', () => {
  let namespace: string;
  beforeAll(() => {
    namespace = createNamespace('dp-chart');
  });
  afterAll(() => deleteNamespace(namespace));

  it.each([
    ['default values', []],
    ['every option', ['--values', ALL_VALUES, '--set', 'fullnameOverride=dpop-lint']],
  ])('passes helm lint --strict with %s', (_values, args) => {
    const result = helm(['lint', '--strict', CHART, ...args]);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders the defaults: the operator, its RBAC, a metrics Service and a PDB, all in the release namespace', () => {
    const objects = renderChart({ namespace });
    expect(objects.map((o) => o.kind).sort()).toEqual(DEFAULT_KINDS);
    for (const o of objects) {
      expect(o.metadata.name).toBe(o.kind === 'Service' ? 'docpipe-operator-metrics' : 'docpipe-operator');
      if (!o.kind.startsWith('Cluster')) expect(o.metadata.namespace, o.kind).toBe(namespace);
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'docpipe-operator', 'app.kubernetes.io/instance': 'docpipe-operator', 'app.kubernetes.io/managed-by': 'Helm' });
    }
    const deployment = find(objects, 'Deployment');
    expect((deployment['spec'] as { replicas: number }).replicas).toBe(2);
    const [container] = podSpecOf(deployment).containers;
    expect(container!.image).toBe('docpipe/operator:0.1.0');
    expect(container!.env.map((e) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'LEASE_NAME', 'OPERATOR_PORT', 'LOG_LEVEL', 'LOG_FORMAT']);
  });

  it('renders every option of all-values.yaml where it belongs', () => {
    const name = uniqueName('dpop-all');
    const objects = renderChart({ namespace, valuesFiles: [ALL_VALUES], set: [`fullnameOverride=${name}`] });
    expect(find(objects, 'ServiceAccount', 'dp-operator-sa').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/docpipe-operator' });
    const deployment = find(objects, 'Deployment', name);
    const spec = deployment['spec'] as { replicas: number; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.metadata.labels).toMatchObject({ team: 'platform', 'app.kubernetes.io/name': 'dp-operator' });
    expect(spec.template.metadata.annotations).toEqual({ 'example.com/scrape': 'true' });
    const pod = podSpecOf(deployment);
    expect(pod).toMatchObject({
      serviceAccountName: 'dp-operator-sa',
      imagePullSecrets: [{ name: 'regcred' }],
      priorityClassName: 'platform-critical',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: {} },
      topologySpreadConstraints: [{ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }],
    });
    const [container] = pod.containers;
    expect(container).toMatchObject({ image: 'registry.example/docpipe/operator:1.2.3', imagePullPolicy: 'Always', resources: { limits: { cpu: '1', memory: '1Gi' } } });
    expect(container!.env).toEqual(
      expect.arrayContaining([
        { name: 'LEASE_NAME', value: name },
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'LOG_FORMAT', value: 'pretty' },
        { name: 'WATCH_NAMESPACE', value: 'team-a' },
        { name: 'RESYNC_SECONDS', value: '600' },
        expect.objectContaining({ name: 'AWS_REGION' }),
      ]),
    );
    expect(find(objects, 'Service')['spec']).toMatchObject({ ports: [{ port: 9095, targetPort: 'http' }] });
    expect(find(objects, 'ServiceMonitor').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(find(objects, 'ServiceMonitor')['spec']).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s' }] });
    expect(find(objects, 'PodDisruptionBudget')['spec']).toMatchObject({ maxUnavailable: '50%' });
  });

  it('renders objects the API server accepts (server-side dry run), with defaults and with every option', () => {
    const defaults = renderChart({ namespace });
    expect(serverDryRun(defaults)).toBe(defaults.length);
    // No prometheus-operator here: the ServiceMonitor's shape is checked above, not by the server.
    const all = renderChart({ namespace, valuesFiles: [ALL_VALUES], set: [`fullnameOverride=${uniqueName('dpop-all')}`] }).filter((o) => o.kind !== 'ServiceMonitor');
    expect(all).toHaveLength(DEFAULT_KINDS.length);
    expect(serverDryRun(all)).toBe(all.length);
  });

  it.each([
    ['replicaCount=two', "at '/replicaCount': got string, want integer"],
    ['image.pullPolicy=Sometimes', "at '/image/pullPolicy': value must be one of"],
    ['replicas=2', "additional properties 'replicas' not allowed"],
    ['logFormat=xml', "at '/logFormat'"],
    ['metrics.service.port=70000', "at '/metrics/service/port'"],
    ['serviceAccount.annotations.count=1', "at '/serviceAccount/annotations/count': got number, want string"],
  ])('refuses %s with a message naming the key', (set, message) => {
    const result = helm(templateArgs({ namespace, set: [set] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toContain(message);
  });

  it('needs a ServiceAccount name when it does not create one, and leaves RBAC out when told', () => {
    const refused = helm(templateArgs({ namespace, set: ['serviceAccount.create=false'] }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('serviceAccount.name is required when serviceAccount.create is false');
    const objects = renderChart({ namespace, set: ['serviceAccount.create=false', 'serviceAccount.name=existing', 'rbac.create=false'] });
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
    expect(podSpecOf(find(objects, 'Deployment'))['serviceAccountName']).toBe('existing');
  });

  it('grants exactly OPERATOR_CLUSTER_RULES and OPERATOR_NAMESPACE_RULES of @docpipe/cdk8s', () => {
    const objects = renderChart({ namespace });
    expect(find(objects, 'ClusterRole')['rules']).toEqual(OPERATOR_CLUSTER_RULES);
    expect(find(objects, 'Role')['rules']).toEqual(OPERATOR_NAMESPACE_RULES);
    const subject = { kind: 'ServiceAccount', name: 'docpipe-operator', namespace };
    expect(find(objects, 'ClusterRoleBinding')['subjects']).toEqual([subject]);
    expect(find(objects, 'RoleBinding')['subjects']).toEqual([subject]);
  });

  it('runs the operator container as the cdk8s install objects do: security, probes, port, /tmp', () => {
    const cdk8s = buildOperatorChart(new App(), { namespace, image: 'docpipe/operator:0.1.0' }).toJson() as KubeObject[];
    const expected = podSpecOf(find(cdk8s, 'Deployment'));
    const actual = podSpecOf(find(renderChart({ namespace }), 'Deployment'));
    expect(actual['securityContext']).toEqual(expected['securityContext']);
    expect(actual['volumes']).toEqual(expected['volumes']);
    const fields = ['ports', 'securityContext', 'startupProbe', 'livenessProbe', 'readinessProbe', 'volumeMounts', 'resources'] as const;
    for (const field of fields) expect(actual.containers[0]![field], field).toEqual(expected.containers[0]![field]);
    expect(actual.containers[0]!.env).toEqual(expect.arrayContaining(expected.containers[0]!.env));
  });

  it('carries the CRD of crds/ and renders it with --include-crds only', () => {
    const withCrds = parseStream(helm([...templateArgs({ namespace }), '--include-crds']).stdout);
    const crd = find(withCrds, 'CustomResourceDefinition');
    expect(crd).toEqual(parse(readFileSync(join(REPO, CRD_FILE), 'utf8')));
    expect(withCrds).toHaveLength(DEFAULT_KINDS.length + 1);
  });
});

/** The example pipeline, moved into `namespace`. */
function example(namespace: string): Record<string, unknown> & { metadata: Record<string, string> } {
  const manifest = parse(readFileSync(join(REPO, 'deploy/examples/pipeline.yaml'), 'utf8')) as Record<string, unknown> & { metadata: Record<string, string> };
  return { ...manifest, metadata: { ...manifest.metadata, namespace } };
}

describe('the manifests `npm run synth` writes', () => {
  let namespace: string | undefined;
  beforeAll(() => {
    namespace = createNamespace('dp-synth');
  });
  afterAll(() => deleteNamespace(namespace));

  it('are accepted by the API server for the example pipeline (server-side dry run)', () => {
    const children = pipelineManifests(parseDocumentPipeline(example(namespace!)));
    const kinds = new Set(children.map((c) => c['kind']));
    for (const kind of ['Deployment', 'Service', 'Ingress', 'ScaledObject', 'TriggerAuthentication', 'NetworkPolicy', 'PodDisruptionBudget', 'ConfigMap', 'ServiceAccount']) {
      expect(kinds, kind).toContain(kind);
    }
    expect(serverDryRun(children)).toBe(children.length);
  });
});

describe('the DocumentPipeline CRD', () => {
  let namespace: string | undefined;
  beforeAll(() => {
    ensureCrd();
    namespace = createNamespace('dp-crd');
  });
  afterAll(() => deleteNamespace(namespace));

  it('accepts the example DocumentPipeline (server-side dry run)', () => {
    expect(serverDryRun([example(namespace!)])).toBe(1);
  });

  const minimal = () => minimalPipelineManifest(uniqueName('bad'), namespace!) as unknown as { spec: Record<string, unknown> };
  it.each([
    ['minReplicas > maxReplicas', { docproc: { minReplicas: 5, maxReplicas: 2 } }, 'spec.docproc.minReplicas', 'minReplicas must not exceed maxReplicas'],
    ['chunk overlap ≥ size', { chunking: { maxTokens: 128, overlapTokens: 128 } }, 'spec.chunking.overlapTokens', 'overlapTokens must be below maxTokens'],
    ['aws-iam without TLS', { kafka: { bootstrapServers: ['b-1.msk.example:9098'], auth: { mechanism: 'aws-iam' } } }, 'spec.kafka.tls', 'requires tls: true'],
    ['a bad enum', { images: { repository: 'registry.example/docpipe', tag: '1.2.3', pullPolicy: 'Sometimes' } }, 'spec.images.pullPolicy', 'Unsupported value: "Sometimes"'],
  ])('refuses %s with a message naming the field', (_case, patch, field, message) => {
    const manifest = minimal();
    manifest.spec = { ...manifest.spec, ...patch };
    const result = kubectl(['apply', '--dry-run=server', '-f', '-'], toStream([manifest]));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${field}: `);
    expect(result.stderr).toContain(message);
  });
});

describe("the chart's RBAC, installed", () => {
  let namespace: string | undefined;
  let name: string | undefined;
  const operator = () => ({ namespace: namespace!, name: name! });

  beforeAll(() => {
    // kubectl auth can-i resolves documentpipelines through discovery: the CRD must be there.
    ensureCrd();
    namespace = createNamespace('dp-rbac');
    // Cluster-scoped: a unique name per run, deleted afterwards.
    name = uniqueName('dpop');
    const rbac = renderChart({ namespace, set: [`fullnameOverride=${name}`] }).filter((o) => RBAC_KINDS.has(o.kind));
    kubectlOk(['apply', '-f', '-'], toStream(rbac));
  });
  afterAll(() => {
    if (name !== undefined) kubectl(['delete', `clusterrolebinding/${name}`, `clusterrole/${name}`, '--ignore-not-found']);
    deleteNamespace(namespace);
  });

  it.each([
    ['patch deployments', ['patch', 'deployments.apps', '-n', 'team-x']],
    ['create scaledobjects', ['create', 'scaledobjects.keda.sh', '-n', 'team-x']],
    ['watch pipelines everywhere', ['watch', 'documentpipelines.docpipe.dev', '--all-namespaces']],
    ['update pipeline status', ['update', 'documentpipelines.docpipe.dev', '--subresource=status', '-n', 'team-x']],
    ['update pipeline finalizers', ['update', 'documentpipelines.docpipe.dev', '--subresource=finalizers', '-n', 'team-x']],
    ['get a secret', ['get', 'secrets', '-n', 'team-x']],
    ['create events', ['create', 'events', '-n', 'team-x']],
    ['create events.k8s.io events', ['create', 'events.events.k8s.io', '-n', 'team-x']],
  ])('lets the operator %s', (_what, args) => {
    expect(canI(operator(), args)).toBe(true);
  });

  it('lets the operator update leases in its own namespace only', () => {
    expect(canI(operator(), ['update', 'leases.coordination.k8s.io', '-n', namespace!])).toBe(true);
    expect(canI(operator(), ['update', 'leases.coordination.k8s.io', '-n', 'kube-system'])).toBe(false);
  });

  it.each([
    ['list secrets', ['list', 'secrets', '-n', 'team-x']],
    ['watch secrets', ['watch', 'secrets', '--all-namespaces']],
    ['delete namespaces', ['delete', 'namespaces']],
    ['create clusterroles', ['create', 'clusterroles.rbac.authorization.k8s.io']],
    ['bind roles', ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-x']],
    ['exec into pods', ['create', 'pods', '--subresource=exec', '-n', 'team-x']],
    ['create pods', ['create', 'pods', '-n', 'team-x']],
    ['create pipelines', ['create', 'documentpipelines.docpipe.dev', '-n', 'team-x']],
    ['delete pipelines', ['delete', 'documentpipelines.docpipe.dev', '-n', 'team-x']],
  ])('does not let the operator %s', (_what, args) => {
    expect(canI(operator(), args)).toBe(false);
  });
});

describe('the Argo CD health check', () => {
  const script = join(HEALTH_DIR, 'health.lua');
  const { tests } = parse(readFileSync(join(HEALTH_DIR, 'health_test.yaml'), 'utf8')) as { tests: { inputPath: string; healthStatus: { status: string; message: string } }[] };

  it.each(tests.map((t) => [t.inputPath, t.healthStatus] as const))('gives %s the expected health in Lua', (inputPath, expected) => {
    const obj = parse(readFileSync(join(HEALTH_DIR, inputPath), 'utf8')) as unknown;
    expect(runHealthScript(stackEnv('LUA'), script, obj)).toEqual(expected);
  });

  it('is added to an existing argocd-cm by the documented `kubectl patch --type merge --patch-file`, keeping its other keys', () => {
    const namespace = createNamespace('dp-argocd');
    const dir = mkdtempSync(join(tmpdir(), 'docpipe-argocd-'));
    try {
      kubectlOk(['-n', namespace, 'create', 'configmap', 'argocd-cm', '--from-literal=url=https://argocd.example']);
      const patch = parse(readFileSync(join(REPO, 'deploy/argocd/argocd-cm-health.yaml'), 'utf8')) as KubeObject;
      // The patch names the namespace argocd; here the ConfigMap lives in a namespace of this run.
      const file = join(dir, 'patch.yaml');
      writeFileSync(file, toStream([{ ...patch, metadata: { ...patch.metadata, namespace } }]));
      kubectlOk(['-n', namespace, 'patch', 'configmap', 'argocd-cm', '--type', 'merge', '--patch-file', file]);
      const live = JSON.parse(kubectlOk(['-n', namespace, 'get', 'configmap', 'argocd-cm', '-o', 'json'])) as { data: Record<string, string> };
      expect(live.data).toEqual({ url: 'https://argocd.example', [HEALTH_KEY]: readFileSync(script, 'utf8') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      deleteNamespace(namespace);
    }
  });
});
