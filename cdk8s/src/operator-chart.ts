import { documentPipelineCrd, GROUP, PLURAL } from '@docpipe/operator-api';
import { ApiObject, Chart } from 'cdk8s';
import {
  KubeClusterRole,
  KubeClusterRoleBinding,
  KubeDeployment,
  KubeRole,
  KubeRoleBinding,
  KubeServiceAccount,
  Quantity,
  type PolicyRule,
} from 'cdk8s-plus-34/lib/imports/k8s.js';
import type { Construct } from 'constructs';
import { PART_OF } from './names.js';
import { probes, restrictedContainerSecurity, restrictedPodSecurity, topologySpread } from './pod.js';

export interface OperatorChartOptions {
  /** Where the operator runs (its Lease lives there too). */
  namespace: string;
  image: string;
  /** Two by default: one leads, the other takes over (leader election on a Lease). */
  replicas?: number;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

export const OPERATOR_NAME = 'docpipe-operator';
/** The operator's /metrics, /healthz and /readyz port. */
export const OPERATOR_PORT = 8080;

const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * Cluster-wide, what reconciling pipelines needs and nothing more: read and
 * patch the pipelines (finalizers) and their status; own the children kinds;
 * read Secrets one by one (the SCRAM credentials for the topic admin; no
 * list, no watch); write Events.
 */
export const OPERATOR_CLUSTER_RULES: PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'update', 'patch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  { apiGroups: [''], resources: ['configmaps', 'serviceaccounts', 'services'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['keda.sh'], resources: ['scaledobjects', 'triggerauthentications'], verbs: WRITE },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** In its own namespace only: the leader-election Lease. */
export const OPERATOR_NAMESPACE_RULES: PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

/** The operator's install objects: the CRD, its ServiceAccount, least-privilege RBAC and its Deployment. */
export function buildOperatorChart(scope: Construct, options: OperatorChartOptions): Chart {
  // No chart-wide namespace: the CRD and the ClusterRole are cluster-scoped.
  const chart = new Chart(scope, 'docpipe-operator', { disableResourceNameHashes: true });
  const { namespace } = options;
  const labels = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/part-of': PART_OF };
  const metadata = { name: OPERATOR_NAME, labels };
  new ApiObject(chart, 'crd', documentPipelineCrd());
  new KubeServiceAccount(chart, 'service-account', { metadata: { ...metadata, namespace } });
  new KubeClusterRole(chart, 'cluster-role', { metadata, rules: OPERATOR_CLUSTER_RULES });
  const subjects = [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }];
  new KubeClusterRoleBinding(chart, 'cluster-role-binding', {
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
    subjects,
  });
  new KubeRole(chart, 'role', { metadata: { ...metadata, namespace }, rules: OPERATOR_NAMESPACE_RULES });
  new KubeRoleBinding(chart, 'role-binding', {
    metadata: { ...metadata, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OPERATOR_NAME },
    subjects,
  });
  addOperatorDeployment(chart, options, labels);
  return chart;
}

function addOperatorDeployment(chart: Chart, options: OperatorChartOptions, labels: Record<string, string>): KubeDeployment {
  const selector = { 'app.kubernetes.io/name': OPERATOR_NAME };
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return new KubeDeployment(chart, 'deployment', {
    metadata: { name: OPERATOR_NAME, namespace: options.namespace, labels },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          securityContext: restrictedPodSecurity(),
          topologySpreadConstraints: topologySpread(selector),
          containers: [
            {
              name: 'operator',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              ports: [{ name: 'http', containerPort: OPERATOR_PORT, protocol: 'TCP' }],
              // The Lease holder's identity and the namespace of the Lease.
              env: [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace'), { name: 'LOG_FORMAT', value: 'json' }],
              resources: {
                requests: { cpu: Quantity.fromString('100m'), memory: Quantity.fromString('128Mi') },
                limits: { memory: Quantity.fromString('512Mi') },
              },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              ...probes('http'),
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('64Mi') } }],
        },
      },
    },
  });
}
