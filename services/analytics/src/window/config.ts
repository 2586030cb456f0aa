import { z } from 'zod';

/**
 * The window counter's environment, a fragment for local mode's config to
 * extend (`BaseConfig.extend(WindowCounterConfig.shape)`); parsed once in main.
 */
export const WindowCounterConfig = z.object({
  /** Bounded out-of-orderness of embedded_at, seconds: the Flink job's --watermark-seconds. */
  ANALYTICS_WATERMARK_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
});
export type WindowCounterConfig = z.infer<typeof WindowCounterConfig>;
