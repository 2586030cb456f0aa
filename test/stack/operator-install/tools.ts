import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { stackEnv } from '../env.js';

/** The repository root (commands run there, paths in messages are relative to it). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CHART = 'charts/docpipe-operator';

/** A Kubernetes object as the tests read it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** What a finished command said. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion in the repository, with the stack's environment (KUBECONFIG, HELM_*_HOME). */
export function run(command: string, args: readonly string[], input?: string): CommandResult {
  const result = spawnSync(command, args, { cwd: REPO, input, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command that must succeed; throws with its stderr otherwise. */
export function runOk(command: string, args: readonly string[], input?: string): string {
  const result = run(command, args, input);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(result.code)}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

export const kubectl = (args: readonly string[], input?: string): CommandResult => run(stackEnv('KUBECTL'), args, input);
export const kubectlOk = (args: readonly string[], input?: string): string => runOk(stackEnv('KUBECTL'), args, input);
export const helm = (args: readonly string[]): CommandResult => run(stackEnv('HELM'), args);

/** A name no other run uses: namespaces and cluster-scoped objects are shared by every helper's tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Every non-empty document of a YAML stream. */
export function parseStream(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
      return doc.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

/** Objects as one YAML stream, for kubectl's stdin. */
export function toStream(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

export interface RenderOptions {
  namespace: string;
  release?: string;
  valuesFiles?: string[];
  set?: string[];
}

/** `helm template` of the chart; the objects, or throws with helm's message. */
export function renderChart(options: RenderOptions): KubeObject[] {
  return parseStream(helmOk(templateArgs(options)));
}

/** `helm template` arguments for the chart. */
export function templateArgs(options: RenderOptions): string[] {
  const values = (options.valuesFiles ?? []).flatMap((file) => ['--values', file]);
  const sets = (options.set ?? []).flatMap((s) => ['--set', s]);
  return ['template', options.release ?? 'docpipe-operator', CHART, '--namespace', options.namespace, ...values, ...sets];
}

function helmOk(args: string[]): string {
  return runOk(stackEnv('HELM'), args);
}

/** The object of `kind` (and `name`, when several) among `objects`; throws when absent. */
export function find(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** `kubectl auth can-i` as a ServiceAccount: true for yes, false for no; throws on anything else. */
export function canI(serviceAccount: { namespace: string; name: string }, args: readonly string[]): boolean {
  const result = kubectl(['auth', 'can-i', ...args, `--as=system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`]);
  const answer = result.stdout.trim();
  if (answer === 'yes' && result.code === 0) return true;
  if (answer === 'no' && result.code === 1) return false;
  throw new Error(`kubectl auth can-i ${args.join(' ')}: exit ${String(result.code)} ${result.stdout}${result.stderr}`);
}
