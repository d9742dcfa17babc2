// Task queue names, named once. Automation activities get their own queue later, so they can run on their own workers.
import type { Config } from '../config.ts';

export function mainTaskQueue(config: Config): string {
  return config.temporal.taskQueue;
}
