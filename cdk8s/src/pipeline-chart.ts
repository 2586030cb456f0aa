import type { DocumentPipeline } from '@docpipe/operator-api';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { Construct } from 'constructs';
import { addScaledObject, addTriggerAuthentication } from './keda.js';
import { childLabels, childName, COMPONENTS, PORTS, selectorLabels, WORKERS, type Component } from './names.js';
import { addDisruptionBudget, addNetworkPolicy } from './policies.js';
import { configDigest, configMapData } from './service-env.js';
import { addDeployment } from './workloads.js';

/**
 * Every in-cluster child of one DocumentPipeline, as a cdk8s Chart: a pure
 * function of the (defaulted) pipeline — no clock, no random or hashed names —
 * so two builds of the same pipeline synthesize byte-identical manifests. The
 * operator applies these objects with owner references; `npm run synth` writes
 * them for GitOps.
 */
export function buildPipelineChart(scope: Construct, pipeline: DocumentPipeline): Chart {
  const chart = new Chart(scope, `pipeline-${pipeline.metadata.name}`, {
    disableResourceNameHashes: true,
    ...(pipeline.metadata.namespace !== undefined ? { namespace: pipeline.metadata.namespace } : {}),
  });
  new kplus.ServiceAccount(chart, 'service-account', {
    metadata: {
      name: childName(pipeline, 'workload'),
      labels: childLabels(pipeline, 'workload'),
      annotations: pipeline.spec.serviceAccount.annotations,
    },
    automountToken: false,
  });
  const data = configMapData(pipeline);
  new kplus.ConfigMap(chart, 'config', { metadata: { name: childName(pipeline, 'config'), labels: childLabels(pipeline, 'config') }, data });
  const digest = configDigest(data);
  for (const component of COMPONENTS) {
    addDeployment(chart, { pipeline, component, configDigest: digest });
    addDisruptionBudget(chart, pipeline, component);
    addNetworkPolicy(chart, pipeline, component);
  }
  const gateway = addService(chart, pipeline, 'gateway');
  addService(chart, pipeline, 'ingest');
  addIngress(chart, pipeline, gateway);
  addTriggerAuthentication(chart, pipeline);
  for (const worker of WORKERS) addScaledObject(chart, pipeline, worker);
  return chart;
}

/** The pipeline's children as plain Kubernetes objects, in a stable order. */
export function pipelineManifests(pipeline: DocumentPipeline): Record<string, unknown>[] {
  const app = new App();
  return buildPipelineChart(app, pipeline).toJson() as Record<string, unknown>[];
}

function addService(chart: Chart, pipeline: DocumentPipeline, component: Component): kplus.Service {
  const { name, port } = PORTS[component];
  const service = new kplus.Service(chart, `${component}-service`, {
    metadata: { name: childName(pipeline, component), labels: childLabels(pipeline, component) },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name, port, targetPort: port, protocol: kplus.Protocol.TCP }],
  });
  for (const [key, value] of Object.entries(selectorLabels(pipeline, component))) service.selectLabel(key, value);
  return service;
}

function addIngress(chart: Chart, pipeline: DocumentPipeline, gateway: kplus.Service): kplus.Ingress | undefined {
  const ingress = pipeline.spec.gateway.ingress;
  if (ingress === undefined) return undefined;
  const backend = kplus.IngressBackend.fromService(gateway, { port: PORTS.gateway.port });
  return new kplus.Ingress(chart, 'gateway-ingress', {
    metadata: { name: childName(pipeline, 'gateway'), labels: childLabels(pipeline, 'gateway'), annotations: ingress.annotations },
    className: ingress.className,
    rules: [{ host: ingress.host, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend }],
    ...(ingress.tls ? { tls: [{ hosts: [ingress.host], secret: kplus.Secret.fromSecretName(chart, 'gateway-tls', ingress.tls.secretName) }] } : {}),
  });
}
