import { randomBytes } from 'node:crypto';
import type { Logger } from '@docpipe/runtime';
import { ConflictError, FIELD_MANAGER, type EventRecord, type KubeApi, type KubeObject, type ObjectRef } from '../../controller/ports.js';
import { refOf } from '../../controller/desired.js';
import { resourcePath } from './resources.js';
import { isStatus, KubeApiError, type KubeRest } from './rest.js';

const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';

/** The controller's KubeApi over the REST client. */
export class RestKubeApi implements KubeApi {
  constructor(
    private readonly rest: KubeRest,
    private readonly logger: Logger,
    /** reportingInstance of Events: this replica. */
    private readonly instance: string,
  ) {}

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.rest.request<KubeObject>({ method: 'GET', path: resourcePath(ref) });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    const path = resourcePath({ apiVersion, kind, namespace: options.namespace });
    return (await listAll(this.rest, path, options.labelSelector)).items.map((item) => ({ ...item, apiVersion, kind }));
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    return this.rest.request<KubeObject>({
      method: 'PATCH',
      path: resourcePath(refOf(object)),
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: object,
      contentType: APPLY,
    });
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.rest.request({ method: 'DELETE', path: resourcePath(ref), body: { propagationPolicy: 'Background' } });
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      throw err;
    }
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>): Promise<void> {
    const body = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace }, status };
    await this.rest.request({ method: 'PATCH', path: `${resourcePath(ref)}/status`, query: { fieldManager: FIELD_MANAGER, force: true }, body, contentType: APPLY });
  }

  async addFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    await this.editFinalizers(ref, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
  }

  async removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    await this.editFinalizers(ref, (list) => (list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined));
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const secret = await this.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (secret === undefined) return undefined;
    const data = (secret['data'] ?? {}) as Record<string, string>;
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  }

  async recordEvent(event: EventRecord): Promise<void> {
    const namespace = event.regarding.namespace ?? 'default';
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${event.regarding.name}.${randomBytes(8).toString('hex')}`, namespace },
      eventTime: microTime(new Date()),
      reportingController: 'docpipe.dev/operator',
      reportingInstance: this.instance,
      action: event.action,
      reason: event.reason,
      type: event.type,
      note: event.note.slice(0, 1024),
      regarding: { apiVersion: event.regarding.apiVersion, kind: event.regarding.kind, namespace, name: event.regarding.name, uid: event.regarding.uid },
    };
    try {
      await this.rest.request({ method: 'POST', path: resourcePath({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace }), body });
    } catch (err) {
      this.logger.warn({ err, reason: event.reason }, 'could not record an Event');
    }
  }

  /** Read-modify-write of metadata.finalizers, guarded by resourceVersion (409 → ConflictError, retried by the queue). */
  private async editFinalizers(ref: ObjectRef, edit: (list: string[]) => string[] | undefined): Promise<void> {
    const current = await this.get(ref);
    if (current === undefined) return;
    const next = edit(current.metadata.finalizers ?? []);
    if (next === undefined) return;
    const body = { metadata: { finalizers: next, resourceVersion: current.metadata.resourceVersion } };
    try {
      await this.rest.request({ method: 'PATCH', path: resourcePath(ref), body, contentType: MERGE });
    } catch (err) {
      if (isStatus(err, 409)) throw new ConflictError(`${ref.kind} ${ref.name} changed while editing its finalizers`, { cause: err });
      if (isStatus(err, 404)) return;
      throw err;
    }
  }
}

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items: KubeObject[];
}

/** Every page of a list; the resourceVersion to watch from. */
export async function listAll(rest: KubeRest, path: string, labelSelector?: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  do {
    const page = await rest.request<ListBody>({ method: 'GET', path, query: { labelSelector, limit: 500, continue: token } });
    items.push(...page.items);
    token = page.metadata?.continue || undefined;
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
  } while (token !== undefined);
  return { items, resourceVersion };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export { KubeApiError };
