/** What the stand-in knows about one embeddings model. */
export interface ModelSpec {
  /** Length of the vector when `dimensions` is not sent. */
  dimensions: number;
  /** Whether the request may shorten the vector with `dimensions`. */
  allowsDimensions: boolean;
}

/** The embeddings models OpenAI serves, with their native vector sizes. */
export const MODELS: Readonly<Record<string, ModelSpec>> = {
  'text-embedding-3-small': { dimensions: 1536, allowsDimensions: true },
  'text-embedding-3-large': { dimensions: 3072, allowsDimensions: true },
  'text-embedding-ada-002': { dimensions: 1536, allowsDimensions: false },
};

/** The spec of `model`, or undefined when OpenAI would answer 404. */
export function modelSpec(model: string): ModelSpec | undefined {
  return Object.hasOwn(MODELS, model) ? MODELS[model] : undefined;
}
