import type { DocumentPipeline } from '@docpipe/operator-api';
import { IntOrString, KubeNetworkPolicy, KubePodDisruptionBudget, type NetworkPolicyIngressRule } from 'cdk8s-plus-34/lib/imports/k8s.js';
import type { Construct } from 'constructs';
import { childLabels, childName, PORTS, selectorLabels, type Component } from './names.js';

/** At most one pod of a component down at a time for voluntary disruptions; a worker at zero is not blocked. */
export function addDisruptionBudget(scope: Construct, pipeline: DocumentPipeline, component: Component): KubePodDisruptionBudget {
  return new KubePodDisruptionBudget(scope, `${component}-pdb`, {
    metadata: { name: childName(pipeline, component), labels: childLabels(pipeline, component) },
    spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(pipeline, component) } },
  });
}

/**
 * Who may reach a component: the gateway from anywhere on its port; ingest
 * only from the gateway; the workers only on their ops port (metrics). Egress
 * stays open: Kafka, S3, RDS and OpenAI are outside the cluster.
 */
export function ingressRules(pipeline: DocumentPipeline, component: Component): NetworkPolicyIngressRule[] {
  const ports = [{ protocol: 'TCP', port: IntOrString.fromNumber(PORTS[component].port) }];
  if (component === 'ingest') return [{ from: [{ podSelector: { matchLabels: selectorLabels(pipeline, 'gateway') } }], ports }];
  return [{ ports }];
}

/** The NetworkPolicy of a component. */
export function addNetworkPolicy(scope: Construct, pipeline: DocumentPipeline, component: Component): KubeNetworkPolicy {
  return new KubeNetworkPolicy(scope, `${component}-netpol`, {
    metadata: { name: childName(pipeline, component), labels: childLabels(pipeline, component) },
    spec: {
      podSelector: { matchLabels: selectorLabels(pipeline, component) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: ingressRules(pipeline, component),
      egress: [{}],
    },
  });
}
