/**
 * The realtime indexes' loader and change router.
 *
 * Loading runs in parts, so that a node with many records answers Asterisk
 * at once after a restart. The first part scans the trunks (few: the trunk
 * table and their chan_sip hosts), which is all PJSIP lookups need besides
 * the store's own synchronous reads; `load()` resolves when it is done. The
 * other parts are built in the background after it (once `resume()` is
 * called: the node first finishes starting up), in this order, yielding
 * to the event loop every `yieldEvery` records: generic table rows (the
 * generated and stored dialplan), voicemail mailboxes (users), chan_sip peers
 * by host (devices). A request that needs a part not loaded yet waits for it
 * (`gate()`: every request of a generic table or voicemail, a chan_sip lookup
 * by host); no answer is computed from a half-built index, and
 * `loading()` names the parts still loading (for /readyz).
 *
 * Changes arriving while the trunks load are buffered and routed afterwards.
 * A change has immediate effects (the cache tags of the record, the trunk
 * table) and an index effect (hosts, mailboxes, rows): the index effect of a
 * part not loaded yet is buffered until its scan ends, then replayed in order
 * (the scan reads a snapshot; replaying the later changes over it ends at the
 * newest state). `load()` again (the store rebuilt its view) closes the gates
 * and reloads everything; loads run one after the other.
 */
import type { Logger } from 'pino'
import { obj, voicemailUniqueId, type FamilyKind, type Fields } from '@federator/core'
import type { RealtimeStore, RecordChange } from '../ports.js'
import type { AnswerCache } from './cache.js'
import { tag } from './cache-tags.js'
import type { LookupContext } from './context.js'
import type { RowColumns } from './rows-index.js'

/** The background scans yield to the event loop after this many records (requests are served meanwhile). */
export const LOAD_YIELD_EVERY = 500

export type IndexPart = 'trunks' | 'rows' | 'mailboxes' | 'hosts'

interface BackgroundPart {
  part: Exclude<IndexPart, 'trunks'>
  type: string
  kind: FamilyKind
  label: string
  /** only requests with one of these criteria columns need the part (absent: every request of the kind) */
  columns?: readonly string[]
}

/** The parts built after `load()` resolves, in load order: the record type scanned and the family kind that waits for it. */
export const BACKGROUND_PARTS: readonly BackgroundPart[] = [
  { part: 'rows', type: 'row', kind: 'generic', label: 'realtime table rows' },
  { part: 'mailboxes', type: 'user', kind: 'voicemail', label: 'realtime voicemail mailboxes' },
  { part: 'hosts', type: 'device', kind: 'sip', label: 'realtime chan_sip hosts', columns: ['host'] }
]

/** Whose index a change type feeds (besides its immediate effects). */
const PART_OF: Readonly<Record<string, BackgroundPart['part'] | undefined>> = { device: 'hosts', user: 'mailboxes', row: 'rows', table: 'rows' }

export function rowColumns (fields: Fields | undefined): RowColumns | undefined {
  const cols = obj(fields?.columns)
  if (cols === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(cols)) if (typeof v === 'string') out[k] = v
  return out
}

interface Gate { promise: Promise<void>, open: () => void }

function gate (): Gate {
  let open!: () => void
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}

const yieldToLoop = async (): Promise<void> => { await new Promise<void>((resolve) => setImmediate(resolve)) }

export interface IndexLoaderOptions {
  store: RealtimeStore
  ctx: LookupContext
  cache: AnswerCache
  log: Logger
  yieldEvery?: number
}

export class IndexLoader {
  private readonly o: IndexLoaderOptions
  /** every change while the trunks load */
  private pending: RecordChange[] | null = null
  /** index effects of the background parts not loaded yet */
  private readonly waiting = new Map<IndexPart, RecordChange[]>()
  /** parts not loaded yet; requests that need one wait */
  private readonly gates = new Map<IndexPart, Gate>()
  private chain: Promise<void> = Promise.resolve()
  /** opened by `resume()`: the background parts wait for it (the caller first finishes starting up) */
  private readonly go = gate()
  private closed = false
  private loads = 0

  /** The store's 'changes' listener. */
  readonly onChanges = (changes: RecordChange[]): void => {
    if (this.pending !== null) { this.pending.push(...changes); return }
    for (const c of changes) this.applyChange(c)
  }

  constructor (o: IndexLoaderOptions) {
    this.o = o
  }

  /** (Re)load every index; resolves once the trunks are loaded, the other parts continue (`done()`). */
  load (): Promise<void> {
    // a reload (the store rebuilt its view) queues behind the first load: that one must not wait any longer
    if (this.loads++ > 0) this.resume()
    this.closeGates()
    const started = gate()
    this.chain = this.chain
      .then(async () => { await this.run(started.open) })
      .catch((err: unknown) => { this.o.log.error({ err }, 'realtime: loading the indexes failed'); started.open() })
    return started.promise
  }

  /** Let the background parts load (they wait for this after the first load's trunks; a request needing one calls it too). */
  resume (): void { this.go.open() }

  /** Settles when every load asked so far has finished. */
  done (): Promise<void> { return this.chain }

  /** What is still loading (labels), empty when everything is. */
  loading (): string[] {
    const out: string[] = []
    if (this.gates.has('trunks')) out.push('realtime trunks')
    for (const p of BACKGROUND_PARTS) if (this.gates.has(p.part)) out.push(p.label)
    return out
  }

  /** A promise to wait for before answering a request of this family kind (with these criteria columns); undefined when it can be answered now. */
  gate (kind: FamilyKind, columns: readonly string[]): Promise<void> | undefined {
    const t = this.gates.get('trunks')
    if (t !== undefined) return t.promise
    const p = BACKGROUND_PARTS.find((p) => p.kind === kind)
    if (p === undefined || (p.columns !== undefined && !columns.some((c) => p.columns!.includes(c)))) return undefined
    const g = this.gates.get(p.part)
    if (g === undefined) return undefined
    this.resume()
    return g.promise
  }

  /** Stop loading (the background scans end at their next record); open every gate. */
  close (): void {
    this.closed = true
    this.go.open()
    for (const g of this.gates.values()) g.open()
    this.gates.clear()
  }

  /** Requests needing any part wait from now on (until the load in progress or queued reopens it). */
  private closeGates (): void {
    for (const part of ['trunks', ...BACKGROUND_PARTS.map((p) => p.part)] as IndexPart[]) {
      if (!this.gates.has(part)) this.gates.set(part, gate())
    }
  }

  private opened (part: IndexPart): void {
    this.o.cache.clear()
    this.gates.get(part)?.open()
    this.gates.delete(part)
  }

  private async run (started: () => void): Promise<void> {
    const t0 = performance.now()
    const { store, ctx, cache, log } = this.o
    const { trunks, hosts, mailboxes, rows } = ctx
    if (this.closed) { started(); return }
    this.closeGates()
    const pending: RecordChange[] = this.pending = []
    for (const p of BACKGROUND_PARTS) this.waiting.set(p.part, [])
    trunks.clear(); hosts.clear(); mailboxes.clear(); rows.clear()
    cache.clear()
    try {
      for await (const t of store.scan('trunk')) {
        if (this.closed) break
        const c: RecordChange = { type: 'trunk', id: t.id, after: t.fields }
        trunks.apply(c, store.getSync('device', t.id) !== undefined)
        hosts.apply(c)
      }
    } catch (err) {
      log.error({ err }, 'realtime: loading the trunks failed')
    } finally {
      this.pending = null
      for (const c of pending) this.applyChange(c)
      this.opened('trunks')
      started()
    }
    const t1 = performance.now()
    await this.go.promise
    const t2 = performance.now()
    for (const p of BACKGROUND_PARTS) {
      try {
        if (!this.closed) await this.scan(p)
      } catch (err) {
        log.error({ err, part: p.part }, 'realtime: loading an index failed (its lookups are answered from what was loaded)')
      } finally {
        const buffered = this.waiting.get(p.part) ?? []
        this.waiting.delete(p.part)
        for (const c of buffered) this.applyIndex(c)
        this.opened(p.part)
      }
    }
    if (!this.closed) log.info({ trunksMs: Math.round(t1 - t0), backgroundMs: Math.round(performance.now() - t2), trunks: trunks.size }, 'realtime indexes loaded')
  }

  private async scan (p: BackgroundPart): Promise<void> {
    const { store, ctx } = this.o
    const every = Math.max(1, this.o.yieldEvery ?? LOAD_YIELD_EVERY)
    let n = 0
    for await (const r of store.scan(p.type)) {
      if (this.closed) return
      if (p.part === 'rows') ctx.rows.apply(r.id, undefined, rowColumns(r.fields))
      else if (p.part === 'mailboxes') ctx.mailboxes.apply({ type: 'user', id: r.id, after: r.fields })
      else ctx.hosts.apply({ type: 'device', id: r.id, after: r.fields })
      if (++n % every === 0) await yieldToLoop()
    }
  }

  private applyChange (c: RecordChange): void {
    this.applyNow(c)
    const part = PART_OF[c.type]
    if (part === undefined) return
    const buffer = this.waiting.get(part)
    if (buffer !== undefined) buffer.push(c)
    else this.applyIndex(c)
  }

  /** The effects that do not wait for a background part: cache tags of the record, the trunk table. */
  private applyNow (c: RecordChange): void {
    const { cache, ctx } = this.o
    const id = c.id
    switch (c.type) {
      case 'device':
        cache.bump(tag.device(id), tag.allDevices)
        if (ctx.trunks.shadow(id, c.after !== undefined)) cache.bump(tag.allTrunks)
        break
      case 'trunk':
        ctx.trunks.apply(c, this.o.store.getSync('device', id) !== undefined)
        cache.bump(tag.trunk(id), tag.allTrunks)
        for (const h of ctx.hosts.apply(c)) cache.bump(tag.host(h))
        break
      case 'user':
        cache.bump(tag.user(id), tag.allUsers, tag.allDevices, tag.voicemailUniqueId(voicemailUniqueId(id)))
        break
      case 'config':
        cache.bump(tag.configFile(id))
        break
    }
  }

  /** The effect on a background part's index. */
  private applyIndex (c: RecordChange): void {
    const { cache, ctx } = this.o
    const id = c.id
    switch (c.type) {
      case 'device':
        for (const h of ctx.hosts.apply(c)) cache.bump(tag.host(h))
        break
      case 'user':
        for (const m of ctx.mailboxes.apply(c)) cache.bump(tag.mailbox(m))
        break
      case 'row':
        cache.bump(...ctx.rows.apply(id, rowColumns(c.before), rowColumns(c.after)))
        break
      case 'table':
        // key columns of a generic family changed: its indexes are rebuilt; rare, so everything is recomputed
        ctx.rows.reset(id)
        cache.clear()
        void this.reindexFamily(id)
        break
    }
  }

  private async reindexFamily (family: string): Promise<void> {
    try {
      for await (const r of this.o.store.scan('row', family + '/')) this.o.ctx.rows.apply(r.id, undefined, rowColumns(r.fields))
    } catch (err) {
      this.o.log.error({ err, family }, 'reindexing a realtime table failed')
    }
    this.o.cache.clear()
  }
}
