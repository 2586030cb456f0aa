import { z } from 'zod';
import { TopicSchemas } from './payloads.js';
import type { TopicName } from './topics.js';

/** The JSON Schema (draft 2020-12) of one topic's payload, derived from its zod schema. */
export function topicJsonSchema(topic: TopicName): Record<string, unknown> {
  return {
    $id: `https://docpipe.dev/schemas/${topic}.json`,
    title: topic,
    ...z.toJSONSchema(TopicSchemas[topic], { io: 'input', unrepresentable: 'throw' }),
  };
}
