/** Longest original file name kept (DESIGN: documents.raw `filename` is at most 255 characters). */
export const MAX_DISPLAY_NAME = 255;
/** Longest sanitised name used in an object key, in bytes (all ASCII, so characters). */
export const MAX_KEY_NAME_BYTES = 200;
/** The key name used when nothing of the original survives sanitising. */
export const FALLBACK_NAME = 'document';

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;
const UNSAFE_CHARS = /[^A-Za-z0-9._-]/gu;
const MAX_EXTENSION = 16;

/**
 * The client's file name as kept in the row, the payload and the object's
 * metadata: as given, minus control characters (PostgreSQL text cannot hold
 * NUL), cut to 255 UTF-16 units without splitting a surrogate pair.
 */
export function displayName(original: string): string {
  const clean = original.replace(CONTROL_CHARS, '').trim();
  let cut = clean.slice(0, MAX_DISPLAY_NAME);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut || FALLBACK_NAME;
}

/**
 * The name used in the object key: last path segment only, control characters
 * dropped, anything but `A-Za-z0-9._-` turned into `_`, no `..`, no leading
 * dot, at most 200 bytes (keeping a short extension), never empty. Whatever a
 * client sends, the result cannot step out of `{company}/{document}/`.
 */
export function safeObjectName(original: string): string {
  const lastSegment = original.split(/[/\\]/).pop() ?? '';
  const name = lastSegment
    .replace(CONTROL_CHARS, '')
    .replace(UNSAFE_CHARS, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+/, '');
  return capLength(name) || FALLBACK_NAME;
}

function capLength(name: string): string {
  if (name.length <= MAX_KEY_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= MAX_EXTENSION ? name.slice(dot) : '';
  return name.slice(0, MAX_KEY_NAME_BYTES - ext.length) + ext;
}
