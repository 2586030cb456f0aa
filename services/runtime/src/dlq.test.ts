import { decode, Topics } from '@docpipe/contracts';
import { describe, expect, it } from 'vitest';
import { DLQ_ERROR_MAX_CHARS, dlqMessage } from './dlq.js';
import type { BusMessage } from './ports/event-bus.js';

const source: BusMessage = {
  topic: Topics.documentsRaw,
  partition: 2,
  offset: '41',
  key: null,
  value: Buffer.from('{oops'),
  headers: {},
  timestamp: 1,
};
const DOC = '3f2b8c2e-9a55-4a3e-8f0e-6f4c1d2b7a10';

describe('dlqMessage', () => {
  it('builds a valid documents.dlq message keyed by the document', () => {
    const msg = dlqMessage({ stage: 'docproc', error: 'not a PDF', source, documentId: DOC, companyId: 'acme', now: 5 });
    expect(msg.key).toBe(DOC);
    expect(msg.headers['schema-version']).toBe('1');
    const decoded = decode(Topics.documentsDlq, msg.value);
    expect(decoded).toEqual({
      ok: true,
      value: {
        document_id: DOC,
        company_id: 'acme',
        stage: 'docproc',
        error: 'not a PDF',
        source_topic: 'documents.raw',
        source_partition: 2,
        source_offset: '41',
        failed_at: 5,
      },
    });
  });

  it('uses an empty key and null ids when the document is unknown or the ids are broken', () => {
    const msg = dlqMessage({ stage: 'embedding', error: 'bad json', source, documentId: 'not-a-uuid', companyId: '.bad' });
    expect(msg.key).toBe('');
    const decoded = decode(Topics.documentsDlq, msg.value);
    expect(decoded.ok && decoded.value.document_id).toBeNull();
    expect(decoded.ok && decoded.value.company_id).toBeNull();
  });

  it('truncates long errors and fills in an empty one', () => {
    const long = dlqMessage({ stage: 'status', error: 'x'.repeat(10_000), source });
    const decoded = decode(Topics.documentsDlq, long.value);
    expect(decoded.ok && decoded.value.error.length).toBe(DLQ_ERROR_MAX_CHARS);
    const empty = decode(Topics.documentsDlq, dlqMessage({ stage: 'status', error: '  ', source }).value);
    expect(empty.ok && empty.value.error).toBe('unknown error');
  });

  it('never cuts a surrogate pair in half', () => {
    const error = 'a'.repeat(DLQ_ERROR_MAX_CHARS - 1) + '🎉🎉';
    const decoded = decode(Topics.documentsDlq, dlqMessage({ stage: 'status', error, source }).value);
    expect(decoded.ok && decoded.value.error).toBe('a'.repeat(DLQ_ERROR_MAX_CHARS - 1));
  });
});
