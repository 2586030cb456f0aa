import { z } from 'zod';

/** A DNS-1123 label: names of Secrets, Services and the like. */
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

/** A DNS-1123 subdomain: Secret names, hosts, ingress class names. */
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);

/** A resource quantity as Kubernetes writes it (`250m`, `512Mi`, `2`). */
export const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/);

/** Annotations or labels: string to string. */
export const stringMap = z.record(z.string(), z.string());

/** A whole number within bounds (int64 in the CRD). */
export const int = (min: number, max: number) => z.int().min(min).max(max);

/** A key of a Secret in the pipeline's namespace. */
export function secretKeyRef(defaultKey: string, what: string) {
  return z
    .strictObject({
      name: dnsSubdomain.describe(`the Secret holding ${what}`),
      key: z.string().min(1).max(253).default(defaultKey).describe(`the key in that Secret (default ${defaultKey})`),
    })
    .describe(`a Secret key holding ${what}`);
}

const requestsOrLimits = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

/** Container resources with per-component defaults. */
export function resources(defaults: { requests: { cpu: string; memory: string }; limits: { memory: string } }) {
  return z
    .strictObject({
      requests: requestsOrLimits.prefault({ ...defaults.requests }),
      limits: requestsOrLimits.prefault({ ...defaults.limits }),
    })
    .prefault({})
    .describe('container resources (requests and limits of cpu and memory)');
}
export type Resources = z.infer<ReturnType<typeof resources>>;
