// The web's API types are generated, never edited: the checked-in schema.d.ts must be what the API describes now.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateApiTypes, SCHEMA_FILE } from './generate-api-types.ts';

it('keeps web/src/lib/api/schema.d.ts identical to what the API’s OpenAPI document generates', async () => {
  const generated = await generateApiTypes();
  const checkedIn = readFileSync(SCHEMA_FILE, 'utf8');
  const want = generated.split('\n');
  const have = checkedIn.split('\n');
  const line = want.findIndex((text, i) => text !== have[i]);
  const at = line < 0 && want.length !== have.length ? want.length : line;
  expect(
    at,
    'web/src/lib/api/schema.d.ts is out of date with the API’s OpenAPI document: run `npm run generate:api` and commit the result.\n' +
      `First difference at line ${at + 1}:\n  generated:  ${want[at] ?? '(end of file)'}\n  checked in: ${have[at] ?? '(end of file)'}`,
  ).toBe(-1);
}, 60_000);
