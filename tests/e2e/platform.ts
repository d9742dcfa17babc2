// The whole platform for a browser test: database, worker, API, the built web server, and Chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { childEnv, type Config } from '../../config.ts';
import { spawnChild, stopChild, type Child } from '../../devkit/processes.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { freePort } from '../../devkit/ports.ts';
import { buildTestApp } from '../../devkit/app.ts';
import { createTestDatabase, startWorker, testConfig, waitFor, type RunningWorker, type TestDatabase } from '../helpers.ts';

export const ROOT = join(import.meta.dirname, '../..');
export const SHOTS = join(ROOT, 'test-results');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface Platform {
  db: TestDatabase;
  config: Config;
  app: FastifyInstance;
  webUrl: string;
  browser: Browser;
  startWeb(name: string, port: number, apiUrl: string, env?: Record<string, string>): Child;
  newPage(context: BrowserContext, width?: number): Promise<Page>;
  stop(): Promise<void>;
}

export function startWeb(name: string, port: number, apiUrl: string, env: Record<string, string> = {}): Child {
  return spawnChild({
    name,
    command: process.execPath,
    // WEB_BUILD_DIR: a build of its own (relative to web/), as `WEB_BUILD_DIR=... npm run build:web` wrote it.
    args: [join(ROOT, 'web', process.env.WEB_BUILD_DIR ?? 'build', 'index.js')],
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), ORIGIN: `http://127.0.0.1:${port}`, API_URL: apiUrl, ...env }),
    logFile: join(SHOTS, `e2e-${name}.log`),
  });
}

interface PlatformOptions {
  /** Runs on the API before it listens (to add a test hook, say). */
  beforeListen?: (app: FastifyInstance) => void;
  /**
   * Configuration for the API and the worker, e.g. OPENAI_BASE_URL and OPENAI_MODEL of devkit/servers/openai.ts.
   */
  env?: Record<string, string>;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  // The web server's port is chosen before it can be taken (the API writes links to it), so a parallel test file
  // may take it first: then the whole platform starts again on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPlatformOnce(options);
    } catch (err) {
      if (attempt < 3 && err instanceof PortTakenError) continue;
      throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startPlatformOnce(options: PlatformOptions): Promise<Platform> {
  mkdirSync(SHOTS, { recursive: true });
  const db = await createTestDatabase();
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  // The API writes links (invitations) to the web's address.
  const config = testConfig(db.url, { ORIGIN: webUrl, ...options.env });
  const temporal: TemporalClient = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  const worker: RunningWorker = await startWorker(config, db.sql);
  const app = await buildTestApp(config, db.sql, temporal);
  options.beforeListen?.(app);
  const apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const web = startWeb(`web-${webPort}`, webPort, apiUrl);
  const stopServers = async () => {
    await stopChild(web, 5_000);
    await app.close();
    await worker.stop();
    await temporal.close();
    await db.drop();
  };
  try {
    await waitFor('the web server', async () => ((await fetch(`${webUrl}/signin`)).ok ? true : undefined), {
      timeoutMs: 30_000,
      abortIf: () => (web.hasExited() ? 'the web server exited (its port taken meanwhile, or `npm run build:web` did not run)' : undefined),
    });
  } catch (err) {
    const taken = web.hasExited();
    await stopServers();
    throw taken ? new PortTakenError(String(err)) : err;
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    db,
    config,
    app,
    webUrl,
    browser,
    startWeb,
    async newPage(context, width = 1280) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      return page;
    },
    async stop() {
      await browser.close();
      await stopServers();
    },
  };
}
