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
