import { createRegistry, runMain } from '@docpipe/runtime';
import { loadGatewayConfig } from './config.js';
import { GATEWAY_MAIN_HELP, GatewayMainConfig } from './main-config.js';
import { startGateway } from './service.js';

await runMain({
  name: 'docpipe-gateway',
  summary: 'the HTTP entry point: validates at the edge and streams /ingest/* to ingest.',
  command: 'npx node services/gateway/dist/main.js',
  schema: GatewayMainConfig,
  help: GATEWAY_MAIN_HELP,
  load: loadGatewayConfig,
  async start(config, logger, parts) {
    const gateway = await startGateway({ config, logger, registry: createRegistry('gateway') });
    parts.add('gateway', () => gateway.stop());
  },
});
