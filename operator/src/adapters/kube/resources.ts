import { KIND, PLURAL } from '@docpipe/operator-api';

/** The plural resource name of each kind the operator touches (no discovery: the set is fixed). */
const PLURALS: Readonly<Record<string, string>> = {
  ServiceAccount: 'serviceaccounts',
  ConfigMap: 'configmaps',
  Service: 'services',
  Secret: 'secrets',
  Deployment: 'deployments',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  ScaledObject: 'scaledobjects',
  TriggerAuthentication: 'triggerauthentications',
  Lease: 'leases',
  Event: 'events',
  [KIND]: PLURAL,
};

/** The REST path of a collection (name undefined) or of one object. */
export function resourcePath(ref: { apiVersion: string; kind: string; namespace?: string; name?: string }): string {
  const plural = PLURALS[ref.kind];
  if (plural === undefined) throw new Error(`no REST mapping for kind ${ref.kind}`);
  const root = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const namespace = ref.namespace !== undefined ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name !== undefined ? `/${encodeURIComponent(ref.name)}` : '';
  return `${root}${namespace}/${plural}${name}`;
}
