// Whether a widget's answer has nothing to draw (an empty state instead of a blank chart).
import type { WidgetDataByType, WidgetType } from './types';

export function isEmpty<T extends WidgetType>(type: T, data: WidgetDataByType[T]): boolean {
  switch (type) {
    case 'headline':
      return false;
    case 'incidents-over-time':
      return (data as WidgetDataByType['incidents-over-time']).series.every((s) => s.counts.every((c) => c === 0));
    case 'response-times': {
      const d = data as WidgetDataByType['response-times'];
      return [d.mtta, d.mttr].every((p) => [p.p50, p.p90, p.p95].every((line) => line.every((v) => v === null)));
    }
    case 'top-clusters':
      // While the patterns are computed the widget says so, instead of "no clusters".
      return (data as WidgetDataByType['top-clusters']).clusters.length === 0 && (data as WidgetDataByType['top-clusters']).state.status !== 'computing';
    case 'new-patterns':
      // No incident at all in the range; one without new patterns still says so (and counts the rare ones).
      return Object.values((data as WidgetDataByType['new-patterns']).counts).every((n) => n === 0);
    case 'breakdown':
      return (data as WidgetDataByType['breakdown']).rows.length === 0;
    case 'heatmap':
      return (data as WidgetDataByType['heatmap']).cells.every((row) => row.every((n) => n === 0));
  }
  return false;
}
