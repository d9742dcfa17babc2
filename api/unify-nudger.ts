// Nudges an account's unification after intake, at most once per short window per account (a burst of webhooks
// costs one Temporal call), always with a trailing nudge so the last event of a burst is not left for the Schedule.
// A finished import (a CSV upload) is told at once, with its own signal: the unification reclusters after it.
import type { FastifyBaseLogger } from 'fastify';
import { unifyImportFinishedSignal, unifyMoreSignal, unifyNowWorkflowId, unifyWorkflow } from '../workflows/index.ts';
import type { AppDeps } from './deps.ts';
import { startAccountWorkflow } from './workflow-starts.ts';

const WINDOW_MS = 500;

export interface UnifyNudger {
  nudge(accountId: string): void;
  /** An import's events are all stored: unify them, then recluster. Resolves once Temporal has the signal (or it failed, logged). */
  importFinished(accountId: string): Promise<void>;
  close(): void;
}

export function createUnifyNudger(deps: Pick<AppDeps, 'temporal' | 'config'>, log: FastifyBaseLogger): UnifyNudger {
  const timers = new Map<string, NodeJS.Timeout>();
  const pending = new Set<string>();

  const send = async (accountId: string, signal: typeof unifyMoreSignal | typeof unifyImportFinishedSignal = unifyMoreSignal) => {
    try {
      // No deadline of its own: nudges are fired and forgotten, and an import waits for its signal as long as Temporal takes.
      await startAccountWorkflow(deps, unifyWorkflow, { workflowId: unifyNowWorkflowId(accountId), accountId, kind: 'unify', args: [{ accountId }], signal, deadlineMs: null });
    } catch (err) {
      // The events are stored; the account's Schedule unifies them within 15 minutes.
      log.warn({ err, accountId }, 'could not nudge the unification');
    }
  };

  const fire = (accountId: string) => {
    void send(accountId);
    timers.set(
      accountId,
      setTimeout(() => {
        timers.delete(accountId);
        if (pending.delete(accountId)) fire(accountId);
      }, WINDOW_MS),
    );
  };

  return {
    nudge(accountId) {
      if (timers.has(accountId)) pending.add(accountId);
      else fire(accountId);
    },
    importFinished(accountId) {
      return send(accountId, unifyImportFinishedSignal);
    },
    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      pending.clear();
    },
  };
}
