import { ConflictError, type LeaseRecord, type LeaseStore } from '../../controller/ports.js';
import { microTime } from './kube-api.js';
import { resourcePath } from './resources.js';
import { isStatus, type KubeRest } from './rest.js';

interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** The leader-election Lease (coordination.k8s.io/v1) over the REST client. */
export class RestLeaseStore implements LeaseStore {
  private readonly ref: { apiVersion: string; kind: string; namespace: string; name: string };

  constructor(
    private readonly rest: KubeRest,
    namespace: string,
    name: string,
  ) {
    this.ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name };
  }

  async get(): Promise<LeaseRecord | undefined> {
    try {
      return fromObject(await this.rest.request<LeaseObject>({ method: 'GET', path: resourcePath(this.ref) }));
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async create(lease: LeaseRecord): Promise<LeaseRecord> {
    return this.write('POST', resourcePath({ ...this.ref, name: undefined }), lease);
  }

  async update(lease: LeaseRecord): Promise<LeaseRecord> {
    return this.write('PUT', resourcePath(this.ref), lease);
  }

  private async write(method: 'POST' | 'PUT', path: string, lease: LeaseRecord): Promise<LeaseRecord> {
    try {
      return fromObject(await this.rest.request<LeaseObject>({ method, path, body: this.toObject(lease) }));
    } catch (err) {
      if (isStatus(err, 409)) throw new ConflictError(`Lease ${this.ref.name} was written by another replica`, { cause: err });
      throw err;
    }
  }

  private toObject(lease: LeaseRecord): LeaseObject {
    const spec: LeaseObject['spec'] = {
      holderIdentity: lease.holderIdentity ?? '',
      leaseDurationSeconds: lease.leaseDurationSeconds,
      leaseTransitions: lease.leaseTransitions,
    };
    if (lease.acquireTime) spec.acquireTime = microTime(lease.acquireTime);
    if (lease.renewTime) spec.renewTime = microTime(lease.renewTime);
    const metadata = { name: this.ref.name, namespace: this.ref.namespace, ...(lease.resourceVersion ? { resourceVersion: lease.resourceVersion } : {}) };
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
  }
}

function fromObject(object: LeaseObject): LeaseRecord {
  const { spec } = object;
  const date = (s: string | undefined) => (s ? new Date(s) : undefined);
  return {
    holderIdentity: spec.holderIdentity || undefined,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: date(spec.acquireTime),
    renewTime: date(spec.renewTime),
    leaseTransitions: spec.leaseTransitions,
    resourceVersion: object.metadata.resourceVersion,
  };
}
