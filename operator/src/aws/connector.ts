import type { DocumentPipeline } from '@docpipe/operator-api';
import type { ExternalPart, PartContext, PartOutcome } from '../controller/ports.js';
import { ArchiveSpecError, connectorName, connectorStatus, desiredConnector, diffConnector, parseDescription } from './connector-model.js';
import type { ConnectorApi, ConnectorObserved } from './ports.js';

/** How often a connector in a transition is looked at again. */
export const CONNECTOR_POLL_MS = 30_000;
/** Backoff of recreating a FAILED connector: 1 min, doubling per attempt, at most 1 h. */
export const FAILED_RETRY_BASE_MS = 60_000;
export const FAILED_RETRY_MAX_MS = 3_600_000;

const ownerOf = (p: DocumentPipeline) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** The backoff before the `attempt`-th connector that FAILED is deleted and created again. */
export function failedRetryDelayMs(attempt: number): number {
  return Math.min(FAILED_RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1), FAILED_RETRY_MAX_MS);
}

const progress = (reason: string, message: string, o?: { arn: string; state: string }): PartOutcome => ({
  condition: { status: 'Unknown', reason, message },
  ...(o ? { status: { connector: connectorStatus(o) } } : {}),
  requeueAfterMs: CONNECTOR_POLL_MS,
});

// A False condition is Degraded: the connector failed or the spec cannot be carried out.
const failure = (reason: string, message: string, extra: Partial<PartOutcome> = {}): PartOutcome => ({
  condition: { status: 'False', reason, message },
  degraded: true,
  ...extra,
});

/**
 * ArchiveReady: the pipeline's MSK Connect HDFS 3 sink. Stateless between
 * calls except the attempt number of a FAILED connector being recreated,
 * which is also written into the new connector's description.
 */
export class ArchivePart implements ExternalPart {
  readonly conditionType = 'ArchiveReady' as const;
  readonly statusFields = ['connector'] as const;
  /** Attempt of the next create per connector name, set while a FAILED one is being deleted. */
  private readonly nextAttempt = new Map<string, number>();

  constructor(private readonly api: ConnectorApi) {}

  wants(p: DocumentPipeline): boolean {
    return p.spec.archive !== undefined;
  }

  async reconcile(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome> {
    try {
      return await this.reconcileOrThrow(p, ctx);
    } catch (err) {
      // A spec MSK Connect cannot serve waits for a spec change, which the watch brings.
      if (err instanceof ArchiveSpecError) return failure('InvalidSpec', err.message);
      // Every AWS failure, permanent (access denied) or not, goes to the controller: it makes the
      // pipeline Degraded with the message and a Warning Event, and retries with backoff — an IAM
      // fix is nothing a watch would tell us about.
      throw err;
    }
  }

  async finalize(p: DocumentPipeline, ctx: PartContext): Promise<boolean> {
    const found = await this.api.find(connectorName(p));
    if (!found) return true;
    if (!this.owns(p, found)) return true;
    if (found.state !== 'DELETING') {
      await this.api.delete(found.arn);
      ctx.event('Normal', 'ConnectorDeleting', `deleting MSK Connect connector ${found.name}`);
    }
    return (await this.api.describe(found.arn)) === undefined;
  }

  private owns(p: DocumentPipeline, c: ConnectorObserved): boolean {
    return parseDescription(c.description)?.owner === ownerOf(p);
  }

  private async reconcileOrThrow(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome> {
    const name = connectorName(p);
    const observed = await this.api.find(name);
    if (observed && !this.owns(p, observed)) {
      return failure('NameConflict', `connector ${name} exists but belongs to "${observed.description}", not to ${ownerOf(p)}`);
    }
    if (!p.spec.archive!.enabled) return this.disable(observed, ctx);
    if (!observed) return this.create(p, ctx);
    return this.converge(p, observed, ctx);
  }

  private async disable(observed: ConnectorObserved | undefined, ctx: PartContext): Promise<PartOutcome> {
    if (!observed) return { condition: { status: 'True', reason: 'Disabled', message: 'spec.archive.enabled is false: no connector' }, status: { connector: {} } };
    if (observed.state !== 'DELETING') {
      await this.api.delete(observed.arn);
      ctx.event('Normal', 'ConnectorDeleting', `archive disabled: deleting connector ${observed.name}`);
    }
    return progress('Deleting', `archive disabled: deleting connector ${observed.name}`, { arn: observed.arn, state: 'DELETING' });
  }

  private async create(p: DocumentPipeline, ctx: PartContext): Promise<PartOutcome> {
    const attempt = this.nextAttempt.get(connectorName(p)) ?? 1;
    const desired = desiredConnector(p, attempt);
    const created = await this.api.create(desired);
    this.nextAttempt.delete(desired.name);
    ctx.event('Normal', 'ConnectorCreating', `creating MSK Connect connector ${desired.name} (attempt ${attempt})`);
    return progress('Creating', `connector ${desired.name} is CREATING`, { arn: created.arn, state: created.state });
  }

  private async converge(p: DocumentPipeline, o: ConnectorObserved, ctx: PartContext): Promise<PartOutcome> {
    switch (o.state) {
      case 'RUNNING':
        return this.update(p, o, ctx);
      case 'FAILED':
        return this.retryFailed(p, o, ctx);
      case 'CREATING':
      case 'UPDATING':
      case 'DELETING':
      case 'RESTARTING':
        return progress(titleCase(o.state), `connector ${o.name} is ${o.state}`, o);
      default:
        return failure('ConnectorNotRunning', `connector ${o.name} is ${o.state}${o.stateMessage ? `: ${o.stateMessage}` : ''}`, {
          status: { connector: connectorStatus(o) },
          requeueAfterMs: CONNECTOR_POLL_MS,
        });
    }
  }

  private async update(p: DocumentPipeline, o: ConnectorObserved, ctx: PartContext): Promise<PartOutcome> {
    const diff = diffConnector(desiredConnector(p), o);
    if (diff.kind === 'none') {
      return { condition: { status: 'True', reason: 'Running', message: `connector ${o.name} is RUNNING` }, status: { connector: connectorStatus(o) } };
    }
    if (diff.kind === 'update') {
      await this.api.update(o.arn, o.currentVersion, diff.change);
      ctx.event('Normal', 'ConnectorUpdating', `updating the ${diff.field} of connector ${o.name}`);
      return progress('Updating', `updating the ${diff.field} of connector ${o.name}`, { arn: o.arn, state: 'UPDATING' });
    }
    await this.api.delete(o.arn);
    ctx.event('Normal', 'ConnectorReplacing', `replacing connector ${o.name}: ${diff.fields.join(', ')} cannot be updated in place`);
    return progress('Replacing', `replacing connector ${o.name} (${diff.fields.join(', ')} changed)`, { arn: o.arn, state: 'DELETING' });
  }

  /**
   * A FAILED connector cannot be updated or restarted: the only way back is
   * delete and create. A spec change is tried at once; otherwise with a
   * capped exponential backoff counted from the failed connector's creation.
   */
  private async retryFailed(p: DocumentPipeline, o: ConnectorObserved, ctx: PartContext): Promise<PartOutcome> {
    const attempt = parseDescription(o.description)?.attempt ?? 1;
    const message = `connector ${o.name} FAILED: ${o.stateMessage ?? 'no state description'}`;
    const changed = diffConnector(desiredConnector(p), o).kind !== 'none';
    const created = o.createdAt?.getTime() ?? 0;
    // A connector that ran for longer than the longest backoff earned a fresh start.
    const healthyLong = ctx.now().getTime() - created > 2 * FAILED_RETRY_MAX_MS;
    const waitMs = changed || healthyLong ? 0 : created + failedRetryDelayMs(attempt) - ctx.now().getTime();
    const status = { connector: connectorStatus(o) };
    if (waitMs > 0) return failure('ConnectorFailed', `${message}; recreating in ${Math.ceil(waitMs / 1000)} s`, { status, requeueAfterMs: waitMs });
    this.nextAttempt.set(o.name, healthyLong ? 1 : attempt + 1);
    await this.api.delete(o.arn);
    ctx.event('Warning', 'ConnectorFailed', `${message}; deleting it to create it again`);
    return failure('ConnectorFailed', `${message}; deleting it to create it again`, { status, requeueAfterMs: CONNECTOR_POLL_MS });
  }
}

function titleCase(state: string): string {
  return state.charAt(0) + state.slice(1).toLowerCase();
}
