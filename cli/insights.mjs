#!/usr/bin/env node
// The `insights` bin: runs scripts/insights.ts, which Node reads itself (type stripping, Node 24). Node's compile
// cache keeps the stripped and compiled modules between runs, so only the first run pays for reading TypeScript.
import module from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// A read-only cache directory only costs the speed-up: the CLI runs the same.
module.enableCompileCache?.(join(root, 'node_modules/.cache/insights-cli'));
const { runInsights } = await import('../scripts/insights.ts');
process.exitCode = await runInsights(process.argv.slice(2));
