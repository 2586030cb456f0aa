import { resolve } from 'node:path';
import { BASE_HELP, BaseConfig, parseConfig, type VariableHelp } from '@docpipe/runtime';
import { z } from 'zod';

/** The report's variables: where local mode keeps its data (the same default as services/local). */
export const ReportConfig = BaseConfig.extend({
  DOCPIPE_DATA_DIR: z.string().min(1).default('./.docpipe'),
});
export type ReportConfig = z.infer<typeof ReportConfig>;

/** The help of ReportConfig's variables. */
export const REPORT_HELP: VariableHelp<ReportConfig> = {
  LOG_LEVEL: BASE_HELP.LOG_LEVEL,
  LOG_FORMAT: 'json or pretty (default json); logs go to stderr',
  DOCPIPE_DATA_DIR: "local mode's data directory: the default archive is <it>/archive/topics, the default output <it>/reports",
};

/** Reads the report's environment; throws ConfigError naming each bad variable. */
export function loadReportConfig(env: NodeJS.ProcessEnv = process.env): ReportConfig {
  return parseConfig(ReportConfig, env);
}

/** The default archive and output directories under DOCPIPE_DATA_DIR, absolute. */
export function defaultReportDirs(config: ReportConfig, cwd: string): { archive: string; output: string } {
  const data = resolve(cwd, config.DOCPIPE_DATA_DIR);
  return { archive: resolve(data, 'archive', 'topics'), output: resolve(data, 'reports') };
}
