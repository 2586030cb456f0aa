import type { AddressInfo } from 'node:net';
import type { Logger } from '@docpipe/runtime';
import { MskConnect, type Fault, type Timing } from './model.js';
import { buildMskConnectApp } from './server.js';

export { AwsHttpError, ERROR_STATUS, type AwsErrorType } from './errors.js';
export { MskConnect, OPERATIONS, type Connector, type ConnectorState, type Fault, type Operation, type Timing } from './model.js';
export { buildMskConnectApp } from './server.js';
export { parseCreateConnector, parseUpdateConnector, type Capacity, type CreateConnectorInput } from './validate.js';

/** Transitions that complete on their own after these delays. */
export const DEFAULT_TIMING: Readonly<Timing> = { createMs: 1000, updateMs: 500, deleteMs: 500 };

export interface MskConnectStandinOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delays of CREATING/UPDATING/DELETING; a null delay waits for the advance hook. */
  timing?: Partial<Timing>;
  region?: string;
  /** Request logs; silent when absent. */
  logger?: Logger;
}

export interface MskConnectStandin {
  /** The endpoint to give the SDK client: `http://host:port`. */
  url: string;
  /** The store itself, for in-process hooks (advance, fail, faults, calls). */
  msk: MskConnect;
  /** Completes the transition in progress of the connector named `name`. */
  advance(name: string): void;
  /** Puts the connector named `name` in FAILED with this state description. */
  fail(name: string, message: string): void;
  injectFault(fault: Fault): void;
  stop(): Promise<void>;
}

/** Starts the MSK Connect stand-in on loopback. */
export async function startMskConnectStandin(opts: MskConnectStandinOptions = {}): Promise<MskConnectStandin> {
  const msk = new MskConnect({ ...DEFAULT_TIMING, ...opts.timing }, opts.region ?? 'us-east-1');
  const app = buildMskConnectApp(msk, opts.logger);
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const arnOf = (name: string) => {
    const c = msk.list(name).find((x) => x.input.connectorName === name);
    if (!c) throw new Error(`no connector named ${name}`);
    return c.arn;
  };
  return {
    url: `http://${host}:${port}`,
    msk,
    advance: (name) => void msk.advance(arnOf(name)),
    fail: (name, message) => void msk.fail(arnOf(name), message),
    injectFault: (fault) => msk.injectFault(fault),
    stop: () => app.close(),
  };
}
