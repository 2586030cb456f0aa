import { COMPANY_HEADER, CompanyId } from '@docpipe/contracts';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * The company a request acts for: its X-Company-ID header, or `fallback` when
 * the header is absent. A malformed id is a 400, never silently the default.
 */
export function companyOf(request: FastifyRequest, fallback: string): string {
  const raw = request.headers[COMPANY_HEADER];
  if (raw === undefined) return fallback;
  const parsed = CompanyId.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      400,
      'invalid_company_id',
      'X-Company-ID must be 1-64 letters, digits, "-", "_" or ".", not starting with "."',
    );
  }
  return parsed.data;
}
