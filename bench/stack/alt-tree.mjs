// Runs a service against another build of our packages, for A/B benchmarks:
// with ALT_TREE=<dir> (holding runtime-dist/, ingest-dist/, gateway-dist/ …),
// every module resolved under services/<pkg>/dist/ is loaded from <dir>/<pkg>-dist/
// instead, when that copy exists. Loaded with `node --import` (via NODE_OPTIONS).
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const services = new URL('../../services/', import.meta.url).href;
const tree = process.env['ALT_TREE'];

if (tree) {
  const alt = pathToFileURL(`${tree}/`).href;
  registerHooks({
    resolve(specifier, context, next) {
      const result = next(specifier, context);
      const m = result.url.startsWith(services) ? /^([^/]+)\/dist\/(.*)$/.exec(result.url.slice(services.length)) : null;
      if (!m) return result;
      const url = `${alt}${m[1]}-dist/${m[2]}`;
      return existsSync(new URL(url)) ? { ...result, url } : result;
    },
  });
}
