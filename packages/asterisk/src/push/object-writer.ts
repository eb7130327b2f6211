/**
 * The ARI side of push mode (pjsip-push.ts works the queue, this writes): the operations core
 * pushOps() lists for one id, sent to Asterisk in their order, and `pushed` (what Asterisk holds, as
 * far as the node knows) kept in step. Outbound registrations need more than a PUT (docs/asterisk.md
 * "Outbound registrations"), because Asterisk acts on one only when it is created:
 *
 * - a changed one is deleted and created again, `registrationRecreateMs` apart (Asterisk drops the
 *   registration of an id some time after its deletion: a new one created meanwhile would go too);
 * - when what Asterisk holds is not known (`force`: a connect, a drift repair) it is read first and
 *   recreated only when it differs — a node restart un-REGISTERs nothing;
 * - Asterisk refuses to create one while it has no SIP transport: until `transportsReady`, the ids
 *   with a registration to create are kept in `deferred` (the full push pushes them after the transports);
 * - an Asterisk whose sorcery.conf maps `registration` elsewhere refuses them (403): left alone until
 *   `reset()` (the next connect), said once.
 */
import type { Logger } from 'pino'
import { heldDiffers, isFedError, pushFields, pushOps, pushPath, type HeldField, type PushObject, type PushStage, type Row, type RowsById } from '@federator/core'
import type { AriClient } from '../ari-client.js'

export interface ObjectWriterOptions {
  ari: Pick<AriClient, 'request'>
  /** what Asterisk holds, as far as the node knows: family → id → row (updated here) */
  pushed: Map<string, Map<string, Row>>
  /** counted here: objects put and deleted */
  counters: { puts: number, deletes: number }
  recreateWaitMs: () => number
  log: Logger
}

export function ariStatus (err: unknown): number | undefined {
  return isFedError(err) ? (err.details as { status?: number } | undefined)?.status : undefined
}

export class ObjectWriter {
  /** false from a connect until the configured transports are pushed */
  transportsReady = true
  /** ids whose registration waits for the transports */
  readonly deferred = new Set<string>()
  private registrationsRefused = false

  constructor (private readonly o: ObjectWriterOptions) {}

  /** A connect: nothing refused yet; `transports`: whether transports are still to be pushed. */
  reset (transports: boolean): void {
    this.registrationsRefused = false
    this.transportsReady = !transports
  }

  /** Make Asterisk's objects of `id` equal to `wanted`. */
  async apply (id: string, wanted: RowsById, opts: { force: boolean, stray: boolean, stage?: PushStage }): Promise<void> {
    const pushed: RowsById = {}
    for (const [family, m] of this.o.pushed) { const r = m.get(id); if (r !== undefined) pushed[family] = r }
    for (const op of pushOps(wanted, pushed, opts)) {
      const registration = op.object.recreateOnChange === true
      if (registration && this.registrationsRefused) continue
      if (op.op === 'delete') { await this.remove(op.object, id); continue }
      if (registration && !this.transportsReady) { this.deferred.add(id); continue }
      let recreate = op.recreate
      if (registration && opts.force && !recreate) {
        // what Asterisk holds is not known: recreate (un-REGISTER, REGISTER) only when it differs
        const held = await this.held(op.object, id)
        if (held !== undefined && heldDiffers(op.row, held).length === 0) { this.o.pushed.get(op.object.family)!.set(id, op.row); continue }
        recreate = held !== undefined
      }
      if (recreate) {
        await this.remove(op.object, id)
        if (registration) await new Promise((resolve) => setTimeout(resolve, this.o.recreateWaitMs()))
      }
      try {
        await this.o.ari.request('PUT', pushPath(op.object, id), { body: { fields: pushFields(op.row) } })
      } catch (err) {
        if (registration && ariStatus(err) === 403) { this.refuseRegistrations(err); continue }
        throw err
      }
      this.o.counters.puts++
      this.o.pushed.get(op.object.family)!.set(id, op.row)
    }
  }

  /** The fields Asterisk holds for one object, undefined when it holds none. */
  async held (object: PushObject, id: string): Promise<HeldField[] | undefined> {
    try {
      const fields = await this.o.ari.request<HeldField[]>('GET', pushPath(object, id))
      return Array.isArray(fields) ? fields : []
    } catch (err) {
      if (ariStatus(err) === 404) return undefined
      throw err
    }
  }

  private async remove (object: PushObject, id: string): Promise<void> {
    try {
      await this.o.ari.request('DELETE', pushPath(object, id))
      this.o.counters.deletes++
    } catch (err) {
      const st = ariStatus(err)
      if (st === 403 && object.recreateOnChange === true) { this.refuseRegistrations(err); return }
      if (st !== 404) throw err
    }
    this.o.pushed.get(object.family)!.delete(id)
  }

  private refuseRegistrations (err: unknown): void {
    if (this.registrationsRefused) return
    this.registrationsRefused = true
    this.o.log.warn({ err }, 'push: Asterisk refused an outbound registration (403): its sorcery.conf does not map `registration` to memory; registrations are left to realtime until the next connect')
  }
}
