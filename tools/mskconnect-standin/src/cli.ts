import { parseArgs } from 'node:util';
import type { Timing } from './model.js';

/** What `mskconnect-standin --help` prints. */
export const USAGE = `Usage: node tools/mskconnect-standin/dist/main.js [options]

A local server that speaks the MSK Connect (kafkaconnect) REST API for
CreateConnector, DescribeConnector, ListConnectors, UpdateConnector and
DeleteConnector. Point the SDK at it with AWS_ENDPOINT_URL_KAFKACONNECT=http://HOST:PORT.
Hooks: POST /_standin/connectors/NAME/advance, POST /_standin/connectors/NAME/fail
{"message"}, POST|DELETE /_standin/faults {"operation","type","count"},
GET /_standin/calls, GET|POST /_standin/timing, POST /_standin/reset.

Options:
  --port N          listen port (default 15200; 0 = any free port)
  --host ADDR       listen address (default 127.0.0.1)
  --region R        region in the ARNs (default us-east-1)
  --create-ms N     CREATING -> RUNNING after N ms (default 1000; "manual": only the hook)
  --update-ms N     UPDATING -> RUNNING after N ms (default 500; "manual")
  --delete-ms N     DELETING -> gone after N ms (default 500; "manual")
  --log-level L     fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help        print this and exit
`;

export interface CliOptions {
  help: boolean;
  port: number;
  host: string;
  region: string;
  logLevel: string;
  timing: Partial<Timing>;
}

function delay(flag: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'manual') return null;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected milliseconds or "manual", got ${JSON.stringify(raw)}`);
  return n;
}

/** Parses the command line; throws with a message naming the bad option. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      port: { type: 'string', default: '15200' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string', default: 'us-east-1' },
      'create-ms': { type: 'string' },
      'update-ms': { type: 'string' },
      'delete-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number, got ${JSON.stringify(values.port)}`);
  const timing: Partial<Timing> = {};
  const entries: [keyof Timing, string][] = [
    ['createMs', 'create-ms'],
    ['updateMs', 'update-ms'],
    ['deleteMs', 'delete-ms'],
  ];
  for (const [field, flag] of entries) {
    const v = delay(flag, values[flag as 'create-ms']);
    if (v !== undefined) timing[field] = v;
  }
  return { help: values.help === true, port, host: String(values.host), region: String(values.region), logLevel: String(values['log-level']), timing };
}
