/**
 * Hybrid logical clock (Kulkarni et al.). A timestamp is one safe integer:
 * `wallMs * 1024 + counter`, so timestamps compare with `<` and travel as one
 * msgpack uint. The counter has 10 bits; when it would overflow, the clock
 * borrows one millisecond from the future (the wall part advances by one),
 * which keeps it strictly monotonic at any event rate. 2^53 / 1024 ms lasts
 * until the year 2255.
 *
 * The clock follows remote timestamps that are ahead of the local wall clock
 * (that is what keeps causality: a write made after seeing another always has a
 * larger timestamp). How far ahead a remote clock was is reported through
 * `lastDrift` so the node can warn about badly set clocks.
 */
export type Hlc = number & { readonly __brand: 'Hlc' }

export const COUNTER_BITS = 10
const COUNTER_SPAN = 1 << COUNTER_BITS // 1024

export function makeHlc (wallMs: number, counter = 0): Hlc {
  return (wallMs * COUNTER_SPAN + counter) as Hlc
}

export function hlcWall (h: Hlc): number {
  return Math.floor(h / COUNTER_SPAN)
}

export function hlcCounter (h: Hlc): number {
  return h % COUNTER_SPAN
}

export function isHlc (x: unknown): x is Hlc {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

export class HlcClock {
  private last: Hlc
  private readonly now: () => number
  /** How far (ms) the last remote timestamp was ahead of our wall clock; 0 if it was not. */
  lastDrift = 0

  constructor (now: () => number = Date.now, last: Hlc = 0 as Hlc) {
    this.now = now
    this.last = last
  }

  /** The latest timestamp issued or observed. */
  peek (): Hlc {
    return this.last
  }

  /** A new timestamp for a local event, strictly greater than every earlier one. */
  tick (): Hlc {
    const wall = makeHlc(this.now())
    this.last = (wall > this.last ? wall : this.last + 1) as Hlc
    return this.last
  }

  /** Observe a remote timestamp; later ticks are strictly greater than it. */
  observe (remote: Hlc): void {
    const wallMs = this.now()
    const drift = hlcWall(remote) - wallMs
    this.lastDrift = drift > 0 ? drift : 0
    if (remote > this.last) this.last = remote
  }
}
