/**
 * Push mode's drift check (docs/asterisk.md, "How the node keeps Asterisk equal to its view"): read
 * back what Asterisk holds, compare it with what the node pushed, and have the push repair the
 * difference. Two parts per check:
 *
 * - Asterisk's endpoint list (`GET /ari/endpoints`, one request) against the pushed endpoints: a
 *   missing one is pushed again, a stray one (not the node's) deleted;
 * - a rolling read-back of `driftBatch` objects of every pushed type (endpoints included), from where
 *   the last check stopped: a 404 is pushed again, and an object whose fields differ from the pushed
 *   row (core heldDiffers: only the attributes pushed, normalised as Asterisk echoes them) is pushed
 *   again — a context or password changed over ARI behind the node's back comes back.
 *
 * A repair that does not make the fields equal is told apart from drift: once the push has redone an
 * object repaired for its fields, that object is read again (`verify`), and an attribute that still
 * differs is one Asterisk echoes in a way the comparison does not know — it is compared no more for
 * that type (logged once, at warn), so a formatting difference never turns into a repair every check.
 */
import type { Logger } from 'pino'
import { heldDiffers, isFedError, pushPath, PUSH_OBJECTS, type HeldField, type PushObject, type Row } from '@federator/core'
import type { AriClient } from '../ari-client.js'

export interface DriftCheckOptions {
  ari: Pick<AriClient, 'request'>
  /** what the node pushed, per family (id → row) */
  pushed: (family: string) => ReadonlyMap<string, Row>
  /** push `id` again (forced); `stray`: Asterisk holds it and the node does not */
  repair: (id: string, stray: boolean) => void
  /** objects read back per check */
  batch: () => number
  log: Logger
}

function notFound (err: unknown): boolean {
  return isFedError(err) && (err.details as { status?: number } | undefined)?.status === 404
}

export class DriftCheck {
  private cursor: { family: string, after: string } = { family: PUSH_OBJECTS[0]!.family, after: '' }
  /** per object type, the attributes no longer compared (their repair did not stick) */
  readonly ignored = new Map<string, Set<string>>()
  /** objects repaired for their fields, to read again once the push redid them: family\0id → attributes */
  private readonly toVerify = new Map<string, string[]>()

  constructor (private readonly o: DriftCheckOptions) {}

  /** One check: the endpoint list, then a batch read back. Returns the repairs asked for. */
  async run (): Promise<number> {
    let repairs = 0
    const list = await this.o.ari.request<Array<{ technology: string, resource: string }>>('GET', 'endpoints')
    const held = new Set(list.filter((e) => e.technology === 'PJSIP').map((e) => e.resource))
    const endpoints = this.o.pushed('ps_endpoints')
    for (const id of endpoints.keys()) if (!held.has(id)) { repairs++; this.o.repair(id, false) }
    for (const id of held) if (!endpoints.has(id)) { repairs++; this.o.repair(id, true) }
    return repairs + await this.readBack()
  }

  /** Read back up to batch() objects from where the last check stopped. */
  private async readBack (): Promise<number> {
    let budget = this.o.batch()
    let repairs = 0
    let idx = Math.max(0, PUSH_OBJECTS.findIndex((o) => o.family === this.cursor.family))
    let after = this.cursor.after
    for (let turns = 0; turns < PUSH_OBJECTS.length && budget > 0; turns++) {
      const object = PUSH_OBJECTS[idx]!
      const pushed = this.o.pushed(object.family)
      const ids = [...pushed.keys()].filter((id) => id > after).sort().slice(0, budget)
      budget -= ids.length
      const found = await Promise.all(ids.map(async (id) => await this.compare(object, id, pushed.get(id))))
      ids.forEach((id, i) => {
        const differs = found[i]
        if (differs === undefined) return
        repairs++
        if (differs.length > 0) this.toVerify.set(object.family + '\u0000' + id, differs)
        this.o.repair(id, false)
      })
      if (budget > 0) { idx = (idx + 1) % PUSH_OBJECTS.length; after = '' } else after = ids[ids.length - 1] ?? ''
    }
    this.cursor = { family: PUSH_OBJECTS[idx]!.family, after }
    return repairs
  }

  /**
   * What is wrong with one object in Asterisk: undefined (nothing, or it could not be read), [] (missing),
   * or the attributes that differ.
   */
  private async compare (object: PushObject, id: string, row: Row | undefined): Promise<string[] | undefined> {
    if (row === undefined) return undefined
    let held: HeldField[]
    try {
      held = await this.o.ari.request<HeldField[]>('GET', pushPath(object, id))
    } catch (err) {
      if (notFound(err)) return []
      throw err
    }
    const differs = heldDiffers(row, Array.isArray(held) ? held : [], this.ignored.get(object.type))
    if (differs.length === 0) return undefined
    this.o.log.warn({ type: object.type, id, attributes: differs }, 'drift check: Asterisk holds other values than the node pushed; pushing them again')
    return differs
  }

  /** The push redid `id`: read again the objects of it that were repaired for their fields. */
  async verify (id: string): Promise<void> {
    for (const object of PUSH_OBJECTS) {
      const key = object.family + '\u0000' + id
      const attributes = this.toVerify.get(key)
      if (attributes === undefined) continue
      this.toVerify.delete(key)
      const row = this.o.pushed(object.family).get(id)
      if (row === undefined) continue
      let held: HeldField[]
      try { held = await this.o.ari.request<HeldField[]>('GET', pushPath(object, id)) } catch { continue }
      const still = heldDiffers(row, Array.isArray(held) ? held : [], this.ignored.get(object.type)).filter((a) => attributes.includes(a))
      if (still.length === 0) continue
      let set = this.ignored.get(object.type)
      if (set === undefined) this.ignored.set(object.type, set = new Set())
      for (const a of still) set.add(a)
      this.o.log.warn({ type: object.type, id, attributes: still }, 'drift check: Asterisk echoes these attributes differently from what was pushed, even right after pushing them; they are not compared from now on')
    }
  }

  /** True when `id` has objects waiting for verify(). */
  wantsVerify (id: string): boolean {
    for (const object of PUSH_OBJECTS) if (this.toVerify.has(object.family + '\u0000' + id)) return true
    return false
  }
}
