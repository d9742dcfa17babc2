// A bounded memo for pure functions of a string: the engine reads the same tokens, words and concepts over and over.

/**
 * A function's results remembered per key, at most `limit` of them (the memo starts afresh when full, so input where
 * nothing repeats costs a map and no more). Only for pure functions whose results are not changed by callers.
 */
export function memoize<V>(compute: (key: string) => V, limit: number): (key: string) => V {
  const memo = new Map<string, V>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined && !memo.has(key)) {
      value = compute(key);
      if (memo.size >= limit) memo.clear();
      memo.set(key, value);
    }
    return value as V;
  };
}
