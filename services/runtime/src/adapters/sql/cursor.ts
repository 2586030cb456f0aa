/** Thrown when a `cursor` is not one this repository handed out. */
export class InvalidCursorError extends Error {
  constructor(message = 'cursor is malformed') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/**
 * The position after the last document of a page. `createdAtMicros` is the
 * created_at in microseconds since the epoch, as a decimal string: a Date
 * keeps only milliseconds, which would skip or repeat rows.
 */
export interface PageCursor {
  createdAtMicros: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MICROS = /^-?\d{1,19}$/;

/** True when `value` has the shape PostgreSQL accepts as a uuid. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The opaque form of a cursor: base64url of `<micros>.<id>`. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.createdAtMicros}.${cursor.id}`, 'utf8').toString('base64url');
}

/** Parses an opaque cursor; throws InvalidCursorError on anything it did not produce. */
export function decodeCursor(opaque: string): PageCursor {
  if (!/^[A-Za-z0-9_-]+$/.test(opaque)) throw new InvalidCursorError();
  const [createdAtMicros, id, ...rest] = Buffer.from(opaque, 'base64url').toString('utf8').split('.');
  if (rest.length > 0 || !createdAtMicros || !id || !MICROS.test(createdAtMicros) || !isUuid(id)) {
    throw new InvalidCursorError();
  }
  return { createdAtMicros, id };
}
