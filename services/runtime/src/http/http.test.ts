import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { classifyError, HttpError } from './errors.js';
import { listeningUrl, requestId } from './listen.js';

describe('classifyError', () => {
  it('shows what an HttpError says', () => {
    expect(classifyError(new HttpError(415, 'unsupported_media_type', 'nope'))).toEqual({ status: 415, code: 'unsupported_media_type', message: 'nope' });
  });

  it('translates library errors into our codes', () => {
    const err = Object.assign(new Error('too large'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
    expect(classifyError(err)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('never lets a 5xx carry details', () => {
    const out = classifyError(new Error('password=hunter2 at db.internal'));
    expect(out.status).toBe(500);
    expect(out.message).not.toMatch(/hunter2|db\.internal/);
  });

  it('treats a malformed path as the client’s fault', () => {
    expect(classifyError(new URIError('URI malformed'))).toMatchObject({ status: 400, code: 'bad_request' });
  });
});

describe('listeningUrl', () => {
  it('reaches a wildcard address over loopback', () => {
    expect(listeningUrl({ address: '0.0.0.0', family: 'IPv4', port: 8080 })).toBe('http://127.0.0.1:8080');
    expect(listeningUrl({ address: '::', family: 'IPv6', port: 8080 })).toBe('http://[::1]:8080');
    expect(listeningUrl({ address: '127.0.0.2', family: 'IPv4', port: 1 })).toBe('http://127.0.0.2:1');
  });
});

describe('requestId', () => {
  const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

  it('keeps a sane caller id and replaces anything else', () => {
    expect(requestId(req('abc-123'))).toBe('abc-123');
    expect(requestId(req('bad id\n'))).not.toBe('bad id\n');
    expect(requestId(req())).toMatch(/^[0-9a-f-]{36}$/);
  });
});
