import type { DocumentPipeline } from '@docpipe/operator-api';
import { KubeDeployment, Quantity } from 'cdk8s-plus-34/lib/imports/k8s.js';
import type { Construct } from 'constructs';
import { childLabels, childName, imageOf, PORTS, selectorLabels, type Component } from './names.js';
import { probes, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, topologySpread } from './pod.js';
import { serviceEnv } from './service-env.js';

/** Annotation carrying the ConfigMap's digest on pod templates. */
export const CONFIG_DIGEST_ANNOTATION = 'docpipe.dev/config-sha256';

/** /tmp is the only writable path (read-only root); docproc's PDF and DOCX work may spill there. */
const TMP_SIZE: Record<Component, string> = { gateway: '64Mi', ingest: '256Mi', docproc: '1Gi', embedding: '64Mi' };

interface DeploymentInput {
  pipeline: DocumentPipeline;
  component: Component;
  configDigest: string;
}

/**
 * A service's Deployment. Workers have no `replicas`: KEDA owns that field,
 * and a value here would fight it on every apply.
 */
export function addDeployment(scope: Construct, input: DeploymentInput): KubeDeployment {
  const { pipeline, component } = input;
  const selector = selectorLabels(pipeline, component);
  const spec = pipeline.spec;
  const replicas = component === 'gateway' || component === 'ingest' ? spec[component].replicas : undefined;
  return new KubeDeployment(scope, `${component}-deployment`, {
    metadata: { name: childName(pipeline, component), labels: childLabels(pipeline, component) },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: childLabels(pipeline, component), annotations: { [CONFIG_DIGEST_ANNOTATION]: input.configDigest } },
        spec: {
          serviceAccountName: childName(pipeline, 'workload'),
          // The services never call the Kubernetes API; IRSA mounts its own token.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurity(),
          terminationGracePeriodSeconds: component === 'gateway' || component === 'ingest' ? 30 : 60,
          topologySpreadConstraints: topologySpread(selector),
          containers: [
            {
              name: component,
              image: imageOf(pipeline, component),
              imagePullPolicy: spec.images.pullPolicy,
              ports: [{ name: PORTS[component].name, containerPort: PORTS[component].port, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: childName(pipeline, 'config') } }],
              env: serviceEnv(pipeline, component),
              resources: resourceRequirements(spec[component].resources),
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              ...probes(PORTS[component].name),
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString(TMP_SIZE[component]) } }],
        },
      },
    },
  });
}
