import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `listen` needs of a fastify app (whatever its logger type). */
interface Listenable {
  listen(options: { host: string; port: number }): Promise<string>;
  close(): PromiseLike<unknown>;
  server: { address(): AddressInfo | string | null };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is sane (the gateway sets one), else a new one, so logs line up across services. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The URL a listening server is reachable at; a wildcard address is reached over loopback. */
export function listeningUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  if (wildcard) return `http://${address.family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Listens on host:port (port 0 picks a free one) and returns the URL; closes the app if it cannot listen. */
export async function listen(app: Listenable, host: string, port: number): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    throw err;
  }
  return listeningUrl(app.server.address() as AddressInfo);
}
