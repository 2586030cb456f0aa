import { BASE_HELP, BaseConfig, ConfigError, parseConfig, type VariableHelp } from '@docpipe/runtime';
import { z } from 'zod';

const bool = z.stringbool({ truthy: ['true'], falsy: ['false'] });
const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** The operator's environment. */
export const OperatorConfig = BaseConfig.extend({
  POD_NAME: z.string().min(1).optional(),
  POD_NAMESPACE: z.string().min(1).optional(),
  OPERATOR_HOST: z.string().min(1).default('0.0.0.0'),
  OPERATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  LEADER_ELECT: bool.default(true),
  LEASE_NAME: z.string().min(1).max(253).default('docpipe-operator'),
  WATCH_NAMESPACE: z.string().min(1).optional(),
  RESYNC_SECONDS: positiveInt(300, 86_400),
  MAX_CONCURRENT_RECONCILES: positiveInt(4, 64),
  LEASE_DURATION_SECONDS: positiveInt(15, 3600),
  RENEW_DEADLINE_SECONDS: positiveInt(10, 3600),
  RETRY_PERIOD_SECONDS: positiveInt(2, 3600),
  JOBS_DIR: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
});
export type OperatorConfig = z.infer<typeof OperatorConfig>;

/** One line of --help per variable. */
export const OPERATOR_HELP: VariableHelp<OperatorConfig> = {
  ...BASE_HELP,
  POD_NAME: 'this replica’s identity in the Lease (Downward API; unset: hostname and pid)',
  POD_NAMESPACE: 'where the leader-election Lease lives (Downward API; required with LEADER_ELECT=true)',
  OPERATOR_HOST: 'listen address of /metrics, /healthz and /readyz',
  OPERATOR_PORT: 'port of /metrics, /healthz and /readyz (0: any free port)',
  LEADER_ELECT: 'true: only the holder of the Lease reconciles (run two replicas); false: reconcile at once',
  LEASE_NAME: 'name of the coordination.k8s.io Lease',
  WATCH_NAMESPACE: 'watch DocumentPipelines in this namespace only (unset: every namespace)',
  RESYNC_SECONDS: 'every pipeline is reconciled at least this often, changed or not',
  MAX_CONCURRENT_RECONCILES: 'pipelines reconciled in parallel (one pipeline is never reconciled twice at once)',
  LEASE_DURATION_SECONDS: 'how long a Lease holds without renewal before another replica may take it',
  RENEW_DEADLINE_SECONDS: 'the leader gives up (and exits) when it could not renew for this long',
  RETRY_PERIOD_SECONDS: 'how often the Lease is renewed or tried',
  JOBS_DIR: 'where flink/job.py and spark/job.py are, uploaded to S3 for EMR (unset: the jobs/ folder next to operator/)',
  AWS_REGION: 'region of MSK Connect, EMR and S3 (unset: the SDK default chain); credentials: IRSA or EKS Pod Identity; endpoints: AWS_ENDPOINT_URL_<SERVICE>',
  S3_FORCE_PATH_STYLE: 'path-style URLs for the scripts bucket (S3-compatible servers)',
};

/** Parses the environment; leader election needs a namespace and ordered timings. Throws ConfigError. */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const config = parseConfig(OperatorConfig, env);
  const problems: string[] = [];
  if (config.LEADER_ELECT && config.POD_NAMESPACE === undefined) {
    problems.push('POD_NAMESPACE: required when LEADER_ELECT=true (the namespace of the Lease)');
  }
  if (config.LEADER_ELECT && !(config.LEASE_DURATION_SECONDS > config.RENEW_DEADLINE_SECONDS && config.RENEW_DEADLINE_SECONDS > config.RETRY_PERIOD_SECONDS)) {
    problems.push('LEASE_DURATION_SECONDS: expected LEASE_DURATION_SECONDS > RENEW_DEADLINE_SECONDS > RETRY_PERIOD_SECONDS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
