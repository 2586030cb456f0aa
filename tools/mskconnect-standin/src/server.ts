import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '@docpipe/runtime';
import { AwsHttpError, badRequest, ERROR_STATUS, type AwsErrorType } from './errors.js';
import { OPERATIONS, type Connector, type MskConnect, type Operation, type Timing } from './model.js';
import { parseCreateConnector, parseUpdateConnector } from './validate.js';

type Query = Record<string, string | undefined>;
type Params = { arn: string };

/** Builds the HTTP app over `msk` (not listening): the kafkaconnect REST routes and the /_standin hooks. */
export function buildMskConnectApp(msk: MskConnect, logger?: Logger): FastifyInstance {
  // ARNs in the path run past find-my-way's default 100-character parameter limit.
  const app = Fastify({ routerOptions: { maxParamLength: 2048 }, ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }) });
  app.setErrorHandler((err: FastifyError, _req, reply) => sendError(reply, toAwsError(err)));
  app.setNotFoundHandler((req, reply) => sendError(reply, new AwsHttpError('NotFoundException', `No route for ${req.method} ${req.url}`)));
  registerApi(app, msk);
  registerHooks(app, msk);
  return app;
}

function registerApi(app: FastifyInstance, msk: MskConnect): void {
  app.post('/v1/connectors', async (req) => {
    msk.enter('CreateConnector');
    const c = msk.create(parseCreateConnector(req.body));
    return { connectorArn: c.arn, connectorName: c.input.connectorName, connectorState: c.state };
  });
  app.get<{ Params: Params }>('/v1/connectors/:arn', async (req) => {
    msk.enter('DescribeConnector');
    return describeBody(msk.describe(req.params.arn));
  });
  app.get<{ Querystring: Query }>('/v1/connectors', async (req) => {
    msk.enter('ListConnectors');
    return listPage(msk.list(req.query.connectorNamePrefix ?? ''), req.query);
  });
  app.put<{ Params: Params; Querystring: Query }>('/v1/connectors/:arn', async (req) => {
    msk.enter('UpdateConnector');
    const c = msk.update(req.params.arn, req.query.currentVersion, parseUpdateConnector(req.body));
    return { connectorArn: c.arn, connectorState: c.state, connectorOperationArn: `${c.arn.replace(':connector/', ':connector-operation/')}/${c.currentVersion}` };
  });
  app.delete<{ Params: Params; Querystring: Query }>('/v1/connectors/:arn', async (req) => {
    msk.enter('DeleteConnector');
    const c = msk.delete(req.params.arn, req.query.currentVersion);
    return { connectorArn: c.arn, connectorState: c.state };
  });
}

function listPage(all: Connector[], query: Query): { connectors: unknown[]; nextToken?: string } {
  const max = query.maxResults === undefined ? 100 : Number(query.maxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) throw badRequest('maxResults must be between 1 and 100.');
  const start = query.nextToken === undefined ? 0 : decodeToken(query.nextToken);
  const page = all.slice(start, start + max);
  const next = start + max < all.length ? Buffer.from(JSON.stringify({ offset: start + max })).toString('base64') : undefined;
  return { connectors: page.map(summaryBody), ...(next ? { nextToken: next } : {}) };
}

function decodeToken(token: string): number {
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through: a token the service did not issue
  }
  throw badRequest('The nextToken is invalid.');
}

/** ConnectorSummary: what ListConnectors returns per connector (no configuration, no state description). */
function summaryBody(c: Connector): Record<string, unknown> {
  const i = c.input;
  return {
    capacity: i.capacity,
    connectorArn: c.arn,
    ...(i.connectorDescription !== undefined ? { connectorDescription: i.connectorDescription } : {}),
    connectorName: i.connectorName,
    connectorState: c.state,
    // The model marks its timestamps date-time: RFC 3339 strings, not restJson1's default epoch seconds.
    creationTime: c.creationTime.toISOString(),
    currentVersion: c.currentVersion,
    kafkaCluster: i.kafkaCluster,
    kafkaClusterClientAuthentication: i.kafkaClusterClientAuthentication,
    kafkaClusterEncryptionInTransit: i.kafkaClusterEncryptionInTransit,
    kafkaConnectVersion: i.kafkaConnectVersion,
    ...(i.logDelivery !== undefined ? { logDelivery: i.logDelivery } : {}),
    plugins: i.plugins,
    serviceExecutionRoleArn: i.serviceExecutionRoleArn,
    ...(i.workerConfiguration !== undefined ? { workerConfiguration: i.workerConfiguration } : {}),
  };
}

function describeBody(c: Connector): Record<string, unknown> {
  return {
    ...summaryBody(c),
    connectorConfiguration: c.input.connectorConfiguration,
    ...(c.stateDescription ? { stateDescription: c.stateDescription } : {}),
  };
}

function byName(msk: MskConnect, name: string): Connector {
  const c = msk.list(name).find((x) => x.input.connectorName === name);
  if (!c) throw new AwsHttpError('NotFoundException', `no connector named ${name}`);
  return c;
}

function registerHooks(app: FastifyInstance, msk: MskConnect): void {
  app.get('/_standin/connectors', async () => msk.list('').map(describeBody));
  app.post<{ Params: { name: string } }>('/_standin/connectors/:name/advance', async (req) => {
    const c = msk.advance(byName(msk, req.params.name).arn);
    return c ? describeBody(c) : { deleted: true };
  });
  app.post<{ Params: { name: string }; Body: { message?: string; code?: string } }>('/_standin/connectors/:name/fail', async (req) => {
    const body = req.body ?? {};
    return describeBody(msk.fail(byName(msk, req.params.name).arn, body.message ?? 'The connector failed.', body.code));
  });
  app.post<{ Body: { operation?: string; type?: string; count?: number; message?: string } }>('/_standin/faults', async (req) => {
    const { operation, type, count = 1, message } = req.body ?? {};
    if (!OPERATIONS.includes(operation as Operation)) throw badRequest(`operation must be one of ${OPERATIONS.join(', ')}`);
    if (!(type !== undefined && type in ERROR_STATUS)) throw badRequest(`type must be one of ${Object.keys(ERROR_STATUS).join(', ')}`);
    msk.injectFault({ operation: operation as Operation, type: type as AwsErrorType, count, ...(message ? { message } : {}) });
    return { ok: true };
  });
  app.delete('/_standin/faults', async () => {
    msk.clearFaults();
    return { ok: true };
  });
  app.get('/_standin/calls', async () => ({ ...msk.calls }));
  app.get('/_standin/timing', async () => msk.timing);
  app.post<{ Body: Partial<Timing> }>('/_standin/timing', async (req) => {
    msk.timing = { ...msk.timing, ...(req.body ?? {}) };
    return msk.timing;
  });
  app.post('/_standin/reset', async () => {
    msk.reset();
    return { ok: true };
  });
}

function toAwsError(err: FastifyError): AwsHttpError {
  if (err instanceof AwsHttpError) return err;
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return badRequest(err.message);
  return new AwsHttpError('InternalServerErrorException', 'Internal server error');
}

function sendError(reply: FastifyReply, err: AwsHttpError): FastifyReply {
  return reply.code(err.status).header('x-amzn-errortype', err.type).send({ message: err.message });
}
