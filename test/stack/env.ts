/**
 * The address of a stack component, exported by the stack suites' global
 * setup. A missing one fails the suite loudly: a stack test never turns into a
 * skipped test that looks green.
 */
export function stackEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run stack suites with \`npm run test:stack\`, whose global setup starts the components`);
  return value;
}

/** The stack's WebHDFS URL of `path` for `op`, as the stack's HDFS user (each path segment encoded). */
export function webhdfsUrl(path: string, op: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ op, 'user.name': stackEnv('HDFS_USER'), ...params });
  return `${stackEnv('WEBHDFS_URL')}${path.split('/').map(encodeURIComponent).join('/')}?${query.toString()}`;
}
