/**
 * Work accounting for code whose cost depends on hostile input (LIKE
 * matching, the update2 splitter, number parsing of request values).
 *
 * Such code adds the elementary steps it takes (characters compared,
 * alternatives tried) to one module-level counter. Nothing reads it at run
 * time: tests reset it, run a parser or a whole request, and assert that the
 * count stays within a bound linear in the input (`c·n`, or `c·n·m` for
 * LIKE) — a count of operations, so the assertion does not depend on the
 * machine's speed. Counting costs one addition per call or loop, and the
 * counter only ever grows (a float: exact up to 2^53 steps).
 */

export const workCounter = { steps: 0 }

/** Add `n` steps. */
export function addWork (n: number): void {
  workCounter.steps += n
}

/** The steps `fn` took, and what it returned or threw. */
export function measureWork<T> (fn: () => T): { result?: T, error?: unknown, steps: number } {
  const before = workCounter.steps
  try {
    const result = fn()
    return { result, steps: workCounter.steps - before }
  } catch (error) {
    return { error, steps: workCounter.steps - before }
  }
}
