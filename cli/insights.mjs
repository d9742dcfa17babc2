#!/usr/bin/env node
// The `insights` bin: loads the TypeScript entry point through tsx, so `npx insights` needs no build step.
import { tsImport } from 'tsx/esm/api';

const { runInsights } = await tsImport('../scripts/insights.ts', import.meta.url);
process.exitCode = await runInsights(process.argv.slice(2));
