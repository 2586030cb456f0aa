import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HARNESS = fileURLToPath(new URL('./run.lua', import.meta.url));

/** What an Argo CD health script returns. */
export interface HealthStatus {
  status: string;
  message: string;
}

/**
 * A JSON-like value as a Lua table constructor. Numbers are written as floats
 * because Argo CD's gopher-lua holds every JSON number as a float64: a script
 * that only works on Lua integers would pass here and fail there otherwise.
 * Nulls are left out, as a nil table field is.
 */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? `${value}.0` : String(value);
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(toLuaLiteral).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined);
    return `{${fields.map(([k, v]) => `[${luaString(k)}] = ${toLuaLiteral(v)}`).join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} as Lua`);
}

/** A Lua string literal; control characters and non-ASCII bytes as decimal escapes, so any UTF-8 round-trips. */
function luaString(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '"';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Runs `script` against `obj` in the real Lua interpreter `lua` through run.lua. */
export function runHealthScript(lua: string, script: string, obj: unknown): HealthStatus {
  const result = spawnSync(lua, [HARNESS, script], { input: toLuaLiteral(obj), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${lua} ${script} exited ${String(result.status)}: ${result.stderr}`);
  const newline = result.stdout.indexOf('\n');
  return { status: result.stdout.slice(0, newline), message: result.stdout.slice(newline + 1) };
}
