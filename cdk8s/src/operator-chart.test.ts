import { documentPipelineCrd } from '@docpipe/operator-api';
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildOperatorChart, OPERATOR_CLUSTER_RULES } from './operator-chart.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; rules?: any[]; roleRef?: any; subjects?: any[] }; // eslint-disable-line @typescript-eslint/no-explicit-any

const objects = Testing.synth(buildOperatorChart(Testing.app(), { namespace: 'docpipe-system', image: 'registry.example/docpipe/operator:1.0.0' })) as Obj[];
const find = (kind: string) => objects.find((o) => o.kind === kind)!;

describe('buildOperatorChart', () => {
  it('installs the CRD, a ServiceAccount, RBAC and the Deployment, namespaced only where they should be', () => {
    expect(objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ['CustomResourceDefinition', 'documentpipelines.docpipe.dev', undefined],
      ['ServiceAccount', 'docpipe-operator', 'docpipe-system'],
      ['ClusterRole', 'docpipe-operator', undefined],
      ['ClusterRoleBinding', 'docpipe-operator', undefined],
      ['Role', 'docpipe-operator', 'docpipe-system'],
      ['RoleBinding', 'docpipe-operator', 'docpipe-system'],
      ['Deployment', 'docpipe-operator', 'docpipe-system'],
    ]);
  });

  it('installs the CRD generated from operator/api/src', () => {
    expect(find('CustomResourceDefinition')).toEqual(documentPipelineCrd());
  });

  it('grants no wildcard, reads Secrets one by one only, and writes status through the subresource', () => {
    const rules = find('ClusterRole').rules!;
    expect(rules).toEqual(OPERATOR_CLUSTER_RULES);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
    }
    expect(rules.filter((r) => r.resources.includes('secrets'))).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(rules.find((r) => r.resources.includes('documentpipelines/status'))?.verbs).toEqual(['get', 'update', 'patch']);
    expect(rules.find((r) => r.resources.includes('documentpipelines'))?.verbs).not.toContain('create');
    expect(rules.find((r) => r.apiGroups.includes('keda.sh'))?.resources).toEqual(['scaledobjects', 'triggerauthentications']);
  });

  it('keeps the leader-election Lease to its own namespace and binds both roles to its ServiceAccount', () => {
    expect(find('Role').rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
    const subject = [{ kind: 'ServiceAccount', name: 'docpipe-operator', namespace: 'docpipe-system' }];
    expect(find('ClusterRoleBinding')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'docpipe-operator' }, subjects: subject });
    expect(find('RoleBinding')).toMatchObject({ roleRef: { kind: 'Role', name: 'docpipe-operator' }, subjects: subject });
  });

  it('runs two restricted replicas probed on /healthz and /readyz, knowing their pod name for the Lease', () => {
    const deployment = find('Deployment').spec;
    expect(deployment.replicas).toBe(2);
    const pod = deployment.template.spec;
    expect(pod.serviceAccountName).toBe('docpipe-operator');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [container] = pod.containers;
    expect(container.image).toBe('registry.example/docpipe/operator:1.0.0');
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'LOG_FORMAT']);
  });
});
