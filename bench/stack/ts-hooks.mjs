// Lets `node bench/stack/*.ts` import the stack suites' helpers (test/stack/*.ts),
// which name their siblings `./x.js` as NodeNext wants: a relative `.js` that
// does not exist is retried as `.ts`. Loaded with `node --import`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || !specifier.endsWith('.js')) throw err;
      return next(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
});
