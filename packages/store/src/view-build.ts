/**
 * A view built from the logs alone (a rebuild: requested, a view of another format, a revocation that
 * cuts entries already applied, a view ahead of this node's log). The logs are read block by block into
 * a fresh view in `dir`; a log joined from a snapshot is sparse below its bound, where a missing block
 * is dead, not pending. Another pass runs only when a revocation found in the logs cuts entries that an
 * earlier pass applied (at most three passes: a revocation is itself an entry of the logs read).
 */
import { rm } from 'node:fs/promises'
import type Hypercore from 'hypercore'
import type { Logger } from 'pino'
import type { WriterKey } from '@federator/core'
import { View } from './view.js'
import { localLength, readLocal, type SparseBounds } from './snapshot-join.js'

/** blocks per view batch while rebuilding */
export const REBUILD_CHUNK_BLOCKS = 256

/** Builds the view in `dir` (emptied first) from `cores`, starting from the known revocations; closes it. */
export async function buildView (dir: string, log: Logger, cores: Array<[WriterKey, Hypercore]>, sparse: SparseBounds, known: ReadonlyMap<WriterKey, number>): Promise<void> {
  const revoked = new Map(known)
  for (let pass = 0; ; pass++) {
    await rm(dir, { recursive: true, force: true })
    const view = await View.open(dir, log, { create: true })
    for (const [w, n] of revoked) view.revoked.set(w, n)
    let again = false
    for (const [key, core] of cores) {
      const bound = sparse.of(key)
      const length = bound === 0 ? core.contiguousLength : await localLength(core, bound)
      for (let from = 0; from < length; from += REBUILD_CHUNK_BLOCKS) {
        const upto = Math.min(length, from + REBUILD_CHUNK_BLOCKS)
        const { items } = await readLocal(key, core, from, upto, bound)
        if ((await view.apply(items, new Map([[key, upto]]))).mustRebuild) again = true
      }
    }
    for (const [w, n] of view.revoked) revoked.set(w, n)
    await view.close()
    if (!again || pass >= 2) return
  }
}
