import { randomBytes, randomUUID } from 'node:crypto';
import { AwsHttpError, badRequest, connectorNotFound, type AwsErrorType } from './errors.js';
import type { Capacity, ConnectorUpdate, CreateConnectorInput } from './validate.js';

/** The states the stand-in moves a connector through (a subset of the service's ConnectorState). */
export type ConnectorState = 'CREATING' | 'RUNNING' | 'UPDATING' | 'DELETING' | 'FAILED';

/** The operations that faults can be injected into. */
export const OPERATIONS = ['CreateConnector', 'DescribeConnector', 'ListConnectors', 'UpdateConnector', 'DeleteConnector'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** How long each transition takes; null: only the /_standin/…/advance hook moves it. */
export interface Timing {
  createMs: number | null;
  updateMs: number | null;
  deleteMs: number | null;
}

/** One stored connector. */
export interface Connector {
  input: CreateConnectorInput;
  arn: string;
  state: ConnectorState;
  currentVersion: string;
  creationTime: Date;
  /** When the state in progress completes; null: waits for the hook. */
  dueAt: number | null;
  pending?: ConnectorUpdate;
  stateDescription?: { code: string; message: string };
}

/** A queued fault: the next `count` calls of `operation` fail with `type`. */
export interface Fault {
  operation: Operation;
  type: AwsErrorType;
  count: number;
  message?: string;
}

const TRANSIENT_STATES: ReadonlySet<ConnectorState> = new Set(['CREATING', 'UPDATING', 'DELETING']);

function newVersion(): string {
  // MSK Connect versions are opaque upper-case tokens; 13 characters like the real ones.
  return randomBytes(10).toString('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 13).padEnd(13, 'X');
}

/** The in-memory MSK Connect: connectors, their state machine, and injected faults. */
export class MskConnect {
  private readonly byArn = new Map<string, Connector>();
  private faults: Fault[] = [];
  readonly calls: Record<Operation, number> = { CreateConnector: 0, DescribeConnector: 0, ListConnectors: 0, UpdateConnector: 0, DeleteConnector: 0 };

  constructor(
    public timing: Timing,
    private readonly region = 'us-east-1',
    private readonly account = '123456789012',
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the call and throws the next fault queued for it, if any. */
  enter(operation: Operation): void {
    this.calls[operation]++;
    const fault = this.faults.find((f) => f.operation === operation && f.count > 0);
    if (!fault) return;
    fault.count--;
    this.faults = this.faults.filter((f) => f.count > 0);
    throw new AwsHttpError(fault.type, fault.message ?? defaultFaultMessage(fault.type, operation));
  }

  /** Queues a fault; replaces any queued for the same operation. */
  injectFault(fault: Fault): void {
    this.faults = [...this.faults.filter((f) => f.operation !== fault.operation), fault];
  }

  clearFaults(): void {
    this.faults = [];
  }

  create(input: CreateConnectorInput): Connector {
    const existing = [...this.byArn.values()].find((c) => c.input.connectorName === input.connectorName);
    if (existing) throw new AwsHttpError('ConflictException', `A connector with the name ${input.connectorName} already exists.`);
    const arn = `arn:aws:kafkaconnect:${this.region}:${this.account}:connector/${input.connectorName}/${randomUUID()}-2`;
    const connector: Connector = { input, arn, state: 'CREATING', currentVersion: newVersion(), creationTime: new Date(this.now()), dueAt: this.due(this.timing.createMs) };
    this.byArn.set(arn, connector);
    return connector;
  }

  describe(arn: string): Connector {
    this.advanceDue();
    const c = this.byArn.get(arn);
    if (!c) throw connectorNotFound(arn);
    return c;
  }

  /** Connectors whose name starts with `prefix`, oldest first. */
  list(prefix: string): Connector[] {
    this.advanceDue();
    return [...this.byArn.values()].filter((c) => c.input.connectorName.startsWith(prefix)).sort((a, b) => a.creationTime.getTime() - b.creationTime.getTime() || a.arn.localeCompare(b.arn));
  }

  update(arn: string, currentVersion: string | undefined, update: ConnectorUpdate): Connector {
    const c = this.describe(arn);
    if (!currentVersion) throw badRequest('currentVersion is required.');
    if (currentVersion !== c.currentVersion) {
      throw badRequest(`The current version ${currentVersion} does not match the connector's version ${c.currentVersion}.`);
    }
    if (c.state !== 'RUNNING') throw badRequest(`The connector is in state ${c.state}; only a RUNNING connector can be updated.`);
    c.state = 'UPDATING';
    c.pending = update;
    c.dueAt = this.due(this.timing.updateMs);
    return c;
  }

  delete(arn: string, currentVersion: string | undefined): Connector {
    const c = this.describe(arn);
    if (currentVersion !== undefined && currentVersion !== c.currentVersion) {
      throw badRequest(`The current version ${currentVersion} does not match the connector's version ${c.currentVersion}.`);
    }
    if (c.state !== 'DELETING') {
      c.state = 'DELETING';
      c.dueAt = this.due(this.timing.deleteMs);
    }
    const snapshot = { ...c };
    this.advanceDue();
    return snapshot;
  }

  /** Test hook: completes the transition in progress (CREATING/UPDATING → RUNNING, DELETING → gone). */
  advance(arn: string): Connector | undefined {
    const c = this.describe(arn);
    if (!TRANSIENT_STATES.has(c.state)) throw badRequest(`The connector is in state ${c.state}: nothing to advance.`);
    this.complete(c);
    return this.byArn.get(arn);
  }

  /** Test hook: the connector fails with this description (as a task crash or bad config would). */
  fail(arn: string, message: string, code = 'ConnectorFailure'): Connector {
    const c = this.describe(arn);
    c.state = 'FAILED';
    c.dueAt = null;
    delete c.pending;
    c.stateDescription = { code, message };
    return c;
  }

  /** Forgets every connector and fault (counters stay). */
  reset(): void {
    this.byArn.clear();
    this.faults = [];
  }

  private due(ms: number | null): number | null {
    return ms === null ? null : this.now() + ms;
  }

  private advanceDue(): void {
    const now = this.now();
    for (const c of [...this.byArn.values()]) {
      if (c.dueAt !== null && c.dueAt <= now && TRANSIENT_STATES.has(c.state)) this.complete(c);
    }
  }

  private complete(c: Connector): void {
    if (c.state === 'DELETING') {
      this.byArn.delete(c.arn);
      return;
    }
    if (c.state === 'UPDATING' && c.pending) applyUpdate(c, c.pending);
    delete c.pending;
    delete c.stateDescription;
    c.state = 'RUNNING';
    c.dueAt = null;
  }
}

function applyUpdate(c: Connector, update: ConnectorUpdate): void {
  if ('capacity' in update) c.input = { ...c.input, capacity: update.capacity as Capacity };
  else c.input = { ...c.input, connectorConfiguration: update.connectorConfiguration };
  c.currentVersion = newVersion();
}

function defaultFaultMessage(type: AwsErrorType, operation: Operation): string {
  if (type === 'AccessDeniedException' || type === 'ForbiddenException') {
    return `User: arn:aws:sts::123456789012:assumed-role/docpipe-operator/standin is not authorized to perform: kafkaconnect:${operation}`;
  }
  if (type === 'TooManyRequestsException' || type === 'ThrottlingException') return 'Rate exceeded';
  return `injected ${type}`;
}
