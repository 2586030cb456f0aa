import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { topicJsonSchema } from './json-schema.js';
import { ALL_TOPICS } from './topics.js';

describe('exported JSON Schemas', () => {
  it.each(ALL_TOPICS)('schemas/%s.json matches the zod schema (run `npm run schemas` after a change)', async (topic) => {
    const file = new URL(`../schemas/${topic}.json`, import.meta.url);
    const checkedIn = JSON.parse(await readFile(file, 'utf8')) as unknown;
    expect(checkedIn).toEqual(topicJsonSchema(topic));
  });

  it('marks the seed-plan fields as required', () => {
    const schema = topicJsonSchema('embeddings.ready') as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['chunk_id', 'document_id', 'vector']));
  });
});
