// Widget answers already shown in this browser tab, by question: while a layout is edited (moved, resized, another
// widget added) the page reloads its data, and a widget whose question did not change shows its answer at once.
import type { WidgetResult } from './types';

const MAX = 64;
const answers = new Map<string, WidgetResult>();

export function rememberAnswer(key: string, result: WidgetResult): void {
  if (!result.ok) return;
  answers.delete(key);
  answers.set(key, result);
  if (answers.size > MAX) answers.delete(answers.keys().next().value!);
}

export const knownAnswer = (key: string): WidgetResult | null => answers.get(key) ?? null;
