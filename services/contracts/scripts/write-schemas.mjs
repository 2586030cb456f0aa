// Writes the JSON Schema of every topic's payload to services/contracts/schemas/.
// Run through `npm run schemas` (which builds the package first); a test keeps the
// checked-in files equal to what the zod schemas produce.
import { writeFile } from 'node:fs/promises';
import { ALL_TOPICS, topicJsonSchema } from '../dist/index.js';

for (const topic of ALL_TOPICS) {
  const file = new URL(`../schemas/${topic}.json`, import.meta.url);
  await writeFile(file, `${JSON.stringify(topicJsonSchema(topic), null, 2)}\n`);
}
