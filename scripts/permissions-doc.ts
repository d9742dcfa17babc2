// `npm run docs:permissions`: rewrites the matrix table in docs/permissions.md from api/permissions.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderMatrix } from '../api/permissions.ts';

const file = new URL('../docs/permissions.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf('| permission |');
const end = doc.indexOf('\n\n', start);
if (start < 0 || end < 0) throw new Error('docs/permissions.md has no matrix table to replace');
writeFileSync(file, doc.slice(0, start) + renderMatrix() + doc.slice(end));
console.log('docs/permissions.md: matrix updated');
