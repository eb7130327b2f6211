/**
 * The realtime service: everything behind `/realtime` except HTTP.
 *
 * `handle(family, op, query, body)` answers one res_config_curl request with
 * the exact body Asterisk expects (core answer.ts): a lookup is first looked
 * for in the answer cache by its raw bytes; on a miss it is parsed, planned
 * (core planLookup) against the family's indexes, its candidate rows come
 * from the family's handler (family-*.ts), are filtered with the criteria,
 * sorted for multi, encoded and cached with the tags of what they were
 * computed from. Writes go to the store (generic rows, voicemail) or to the
 * soft state (registrations). Any refusal is counted and warned (metrics.ts)
 * and answered with nothing (reads) or `-1` (writes); nothing throws out.
 *
 * The change router (loader.ts) builds the in-memory indexes, keeps them
 * current from the store's 'changes' events and bumps the cache tags of each
 * change (cache-tags.ts declares them); registration changes are bumped by the
 * RegistrationBook. `start()` is enough to serve: the trunks are loaded, the
 * other indexes build in the background and a request of a family whose
 * index is not loaded yet waits for it; `ready()` waits for everything.
 */
import type { Logger } from 'pino'
import pino from 'pino'
import {
  ANSWER_FAILED, ANSWER_NONE, FedError, ANSWER_REQUIRE, compileCriteria, defaultKeyColumns, encodeComponent, encodeCount, encodeMulti, encodeSingle, familyKind,
  isFedError, isNumericColumn, parseDestroy, parseLookup, parsePairs, parseRequire, parseStore, parseUpdate, planLookup,
  requestError, requestProblem, sortRows, tableSchema, type Criterion, type FamilyKind, type LookupRequest, type Row, type ProjectionOptions
} from '@federator/core'
import type { RealtimeStore, Registrations } from '../ports.js'
import { AnswerCache } from './cache.js'
import { tag, type CacheTag } from './cache-tags.js'
import { staticAnswer } from './static-answer.js'
import { ExtraRows, isRecordId, WriteRefused, type ExtraRowsHook, type FamilyHandler, type LookupContext } from './context.js'
import { contactsHandler } from './family-contacts.js'
import { genericHandler } from './family-rows.js'
import { pjsipHandler } from './family-pjsip.js'
import { sipHandler } from './family-chansip.js'
import { voicemailHandler } from './family-voicemail.js'
import { RealtimeMetrics, type Metric, type RealtimeOp, type RealtimeProblem } from './metrics.js'
import { IndexLoader } from './loader.js'
import { HostIndex, MailboxIndex, TrunkTable } from './record-index.js'
import { RegistrationBook } from './registrations.js'
import { RowIndex } from './rows-index.js'
import { realtimeLimits, type RealtimeLimits } from './tunables.js'

export interface RealtimeOptions {
  store: RealtimeStore
  /** the soft-state table registrations go to (a @federator/net SoftState) */
  registrations: Registrations
  logger?: Logger
  /** projection tunables (records → rows); `node` = this node's name (trunks restricted to other nodes yield no rows here) */
  projection?: Partial<ProjectionOptions>
  /** extra rows per family, merged into the answers (inter-node trunks); call extraRowsChanged() when they change */
  extraRows?: ExtraRowsHook
  limits?: Partial<RealtimeLimits>
  now?: () => number
}

const FAMILY = /^[a-z][a-z0-9_]{0,63}$/
const WRITES = new Set(['update', 'store', 'destroy'])

export class RealtimeService {
  readonly limits: RealtimeLimits
  readonly cache: AnswerCache
  readonly counters: RealtimeMetrics
  readonly book: RegistrationBook
  readonly log: Logger
  private readonly store: RealtimeStore
  private readonly ctx: LookupContext
  private readonly handlers: Record<FamilyKind, FamilyHandler>
  private readonly loader: IndexLoader
  private starting: Promise<void> | null = null
  private closed = false
  /**
   * Set while rows() computes candidates (synchronously): the rows computed along (a device's other
   * PJSIP families) go here, not into the answer cache — rowsById() uses them for its next families
   */
  private along: Map<string, Row | undefined> | null = null

  private readonly onRebuilt = (): void => { void this.loader.load() }

  constructor (opts: RealtimeOptions) {
    this.store = opts.store
    this.limits = realtimeLimits(opts.limits)
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'realtime' })
    const now = opts.now ?? Date.now
    this.cache = new AnswerCache({ maxEntries: this.limits.cacheMaxEntries, maxBytes: this.limits.cacheMaxBytes, maxAnswer: this.limits.cacheMaxAnswer, maxTags: this.limits.cacheMaxTags })
    this.counters = new RealtimeMetrics(this.log, this.limits.warnIntervalMs, now)
    const bump = (...tags: CacheTag[]): void => { this.cache.bump(...tags) }
    this.book = new RegistrationBook(opts.registrations, { graceMs: this.limits.registrationGraceMs, checkMs: this.limits.registrationCheckMs, now, bump })
    const projection = opts.projection ?? {}
    const keysOf = (family: string): readonly string[] | undefined => {
      const keys = isRecordId(family) ? this.store.getSync('table', family)?.keys : undefined
      if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'string')) return keys as string[]
      return defaultKeyColumns(family)
    }
    this.ctx = {
      store: this.store,
      projection,
      trunks: new TrunkTable(),
      hosts: new HostIndex(projection),
      mailboxes: new MailboxIndex(projection),
      rows: new RowIndex(keysOf),
      contacts: this.book.contacts,
      sipRegs: this.book.sipRegs,
      extra: new ExtraRows(opts.extraRows),
      now,
      keysOf,
      prefill: (family, id, row, tags) => {
        if (this.along !== null) { this.along.set(family + '\u0000' + id, row); return }
        const body = 'id=' + encodeComponent(id)
        if (!this.cache.has('single', family, body)) this.cache.set('single', family, body, encodeSingle(row), [...tags], this.cache.now())
      }
    }
    this.loader = new IndexLoader({ store: this.store, ctx: this.ctx, cache: this.cache, log: this.log })
    this.handlers = {
      pjsip: pjsipHandler(this.ctx),
      sip: sipHandler(this.ctx),
      voicemail: voicemailHandler(this.ctx),
      contacts: contactsHandler(this.ctx),
      generic: genericHandler(this.ctx)
    }
  }

  /** Follow the store and the registrations, load the trunks; the other indexes load in the background (idempotent). */
  start (): Promise<void> {
    this.starting ??= (async () => {
      this.store.on('changes', this.loader.onChanges)
      this.store.on('rebuilt', this.onRebuilt)
      await this.loader.load()
      this.book.ready()
    })()
    return this.starting
  }

  /** Started and every index loaded. */
  async ready (): Promise<void> {
    await this.start()
    this.loader.resume()
    await this.loader.done()
  }

  /** What is still loading (empty once ready), e.g. for /readyz. */
  loading (): string[] {
    return this.starting === null ? ['realtime'] : this.loader.loading()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.loader.close()
    await this.starting?.catch(() => {})
    await this.loader.done().catch(() => {})
    this.store.off('changes', this.loader.onChanges)
    this.store.off('rebuilt', this.onRebuilt)
    this.book.close()
  }

  /** The counters, for the node's /metrics. */
  metrics (): Metric[] {
    return this.counters.metrics(this.cache, { contacts: this.book.contactCount, sipRegistrations: this.book.sipRegCount })
  }

  /** The extra rows hook answers differently now (a node joined or died): forget what was derived from it. */
  extraRowsChanged (): void {
    this.ctx.extra.changed()
    this.cache.bump(tag.extraRows)
  }

  // ---- requests ----

  /** Answer `POST|GET /realtime/<family>/<op>?<query>` with `body` (both raw, not decoded). */
  handle (rawFamily: string, op: string, query: string, body: string): string | Promise<string> {
    if (op === 'single' || op === 'multi') {
      this.counters.request(op)
      const hit = this.cache.get(op, rawFamily, body)
      if (hit !== undefined) return hit
      return this.lookup(rawFamily, op, body)
    }
    if (WRITES.has(op)) {
      this.counters.request(op as RealtimeOp)
      return this.write(rawFamily, op as 'update' | 'store' | 'destroy', query, body)
    }
    if (op === 'require') {
      this.counters.request('require')
      if (this.familyOf(rawFamily, op) !== undefined) {
        try { parseRequire(body) } catch (err) { this.refuse(err, rawFamily, op) }
      }
      return ANSWER_REQUIRE
    }
    this.counters.problem('bad_operation', { family: rawFamily, op: op.slice(0, 40) }, 'Unknown realtime operation')
    return ANSWER_NONE
  }

  /** Answer `GET /realtime/static?<query>` (`file=<name>`). */
  staticFile (query: string): string {
    this.counters.request('static')
    let file: string | undefined
    try {
      file = parsePairs(query).find((p) => p.name === 'file')?.value
    } catch (err) {
      return this.refuse(err, 'static', 'static')
    }
    if (file === undefined || !isRecordId(file)) {
      this.counters.problem('bad_request', { file: file?.slice(0, 80) }, 'A static request without a valid file name')
      return ANSWER_NONE
    }
    const hit = this.cache.get('static', '', file)
    if (hit !== undefined) return hit
    const at = this.cache.now()
    const answer = staticAnswer(this.store.getSync('config', file))
    if (answer === undefined) {
      this.counters.problem('unknown_config', { file }, 'Asterisk asked for a config file that is not stored: it loads it empty (federator conf import)')
      return ANSWER_NONE
    }
    this.cache.set('static', '', file, answer, [tag.configFile(file)], at)
    return answer
  }

  /** Count and log a refused request; its answer. */
  refuse (err: unknown, family: string, op: string, reason?: RealtimeProblem): string {
    const why: RealtimeProblem = reason ?? (err instanceof WriteRefused ? err.reason : requestProblem(err) ?? (isFedError(err) ? (err.code === 'FED_ERR_REVOKED' ? 'revoked' : 'bad_request') : 'internal'))
    if (why === 'internal') this.log.error({ err, family, op }, 'realtime request failed')
    this.counters.problem(why, { family: family.slice(0, 80), op }, (err as Error)?.message ?? String(err))
    return WRITES.has(op) ? ANSWER_FAILED : ANSWER_NONE
  }

  /** The family (lower case) and its handler, or undefined (counted) when there is no such family. */
  private familyOf (rawFamily: string, op: string, count = true): { family: string, kind: FamilyKind, handler: FamilyHandler } | undefined {
    const family = rawFamily.toLowerCase()
    if (!FAMILY.test(family)) {
      if (count) this.refuse(new Error(`Invalid family name ${JSON.stringify(rawFamily.slice(0, 80))}`), rawFamily, op, 'bad_family')
      return undefined
    }
    const kind = familyKind(family)
    if (kind === 'generic' && this.ctx.keysOf(family) === undefined) {
      if (count) this.refuse(new Error(`Unknown family ${family}: not a view and no table definition (PUT /api/v1/tables/${family})`), family, op, 'unknown_family')
      return undefined
    }
    return { family, kind, handler: this.handlers[kind] }
  }

  /**
   * The rows a lookup of `family` by `criteria` answers, typed: the same rows as `handle()` (single:
   * the first by key, or none; multi: sorted by key) without the text round trip, without the answer
   * cache and without counting in the realtime metrics, which stay Asterisk's own requests. For the
   * node's features that need the realtime rows themselves (push mode). Throws (FED_ERR_REALTIME_REQUEST)
   * for a family that does not exist.
   */
  async rows (family: string, op: 'single' | 'multi', criteria: readonly Criterion[]): Promise<Row[]> {
    const found = this.directRows(family, op, criteria, new Map())
    return Array.isArray(found) ? found : await found
  }

  /**
   * The row of `id` in each of `families` (a single lookup by id each; absent: none), as rows() reads
   * them, computed together: a device's endpoint, auth and AOR are projected once.
   */
  async rowsById (families: readonly string[], id: string): Promise<Record<string, Row>> {
    const out: Record<string, Row> = {}
    const along = new Map<string, Row | undefined>()
    const byId = [{ column: 'id', op: '=' as const, value: id, truncated: false }]
    for (const family of families) {
      const key = family + '\u0000' + id
      let row: Row | undefined
      if (along.has(key)) row = along.get(key)
      else {
        const found = this.directRows(family, 'single', byId, along)
        row = (Array.isArray(found) ? found : await found)[0]
      }
      if (row !== undefined) out[family] = row
    }
    return out
  }

  private directRows (family: string, op: 'single' | 'multi', criteria: readonly Criterion[], along: Map<string, Row | undefined>): Row[] | Promise<Row[]> {
    const f = this.familyOf(family, op, false)
    if (f === undefined) throw new FedError('FED_ERR_REALTIME_REQUEST', `Unknown family ${family.slice(0, 80)}`, { family: family.slice(0, 80) })
    const first = criteria[0]
    if (first === undefined) throw requestError('no_criteria', `A ${op} lookup without criteria`)
    const req: LookupRequest = { op, criteria: [...criteria], key: first.column }
    const loading = this.loader.gate(f.kind, req.criteria.map((c) => c.column))
    if (loading !== undefined) return loading.then(() => this.directRows(family, op, criteria, along))
    const prev = this.along
    this.along = along
    try { return this.select(f.family, f.handler, req, []).rows } finally { this.along = prev }
  }

  /**
   * The rows a lookup selects (lookup() and rows()): its candidates from the family's handler (their
   * cache tags added to `tags`), those matching every criterion, sorted by the key (single: the first).
   * `cacheable`: the plan was not a range scan.
   */
  private select (family: string, handler: FamilyHandler, req: LookupRequest, tags: CacheTag[]): { rows: Row[] | Promise<Row[]>, cacheable: boolean } {
    const numeric = (c: string): boolean => isNumericColumn(family, c)
    const plan = planLookup(req.criteria, handler.indexes(family), numeric)
    const finish = (rows: Row[]): Row[] => {
      const found = rows.filter(compileCriteria(req.criteria, numeric))
      const sorted = found.length > 1 ? sortRows(found, req.key, numeric(req.key)) : found
      return req.op === 'single' ? sorted.slice(0, 1) : sorted
    }
    const rows = handler.candidates(family, req, plan, tags)
    return { rows: Array.isArray(rows) ? finish(rows) : rows.then(finish), cacheable: plan.kind !== 'range' }
  }

  private lookup (rawFamily: string, op: 'single' | 'multi', body: string): string | Promise<string> {
    try {
      const f = this.familyOf(rawFamily, op)
      if (f === undefined) return ANSWER_NONE
      const { family, handler } = f
      const req = parseLookup(op, body)
      const loading = this.loader.gate(f.kind, req.criteria.map((c) => c.column))
      if (loading !== undefined) return loading.then(() => this.lookup(rawFamily, op, body))
      const tags: CacheTag[] = []
      const at = this.cache.now()
      const { rows, cacheable } = this.select(family, handler, req, tags)
      const finish = (found: Row[]): string => {
        const answer = op === 'single' ? encodeSingle(found[0]) : encodeMulti(found, req.key)
        if (cacheable) this.cache.set(op, rawFamily, body, answer, tags, at)
        return answer
      }
      if (Array.isArray(rows)) return finish(rows)
      return rows.then(finish, (err: unknown) => this.refuse(err, rawFamily, op))
    } catch (err) {
      return this.refuse(err, rawFamily, op)
    }
  }

  private async write (rawFamily: string, op: 'update' | 'store' | 'destroy', query: string, body: string): Promise<string> {
    try {
      const revoked = this.store.revocation()
      if (revoked !== undefined) throw new WriteRefused('revoked', `This node was revoked (its log entries from position ${revoked.length} on are ignored everywhere): it refuses writes`)
      const f = this.familyOf(rawFamily, op)
      if (f === undefined) return ANSWER_FAILED
      await this.loader.gate(f.kind, []) // writes never look peers up by host
      const { family, handler } = f
      let n: number
      if (op === 'store') {
        const req = parseStore(body)
        if (handler.store === undefined) throw new WriteRefused('read_only', `${family} is a read-only view: Asterisk cannot store rows in it`)
        n = await handler.store(family, req)
      } else if (op === 'update') {
        const req = parseUpdate(query, body, tableSchema(family))
        if (req.ambiguous) throw requestError('update2_ambiguous', `${family}: the update2 pairs can be split in more than one way: ${query.slice(0, 200)}`)
        if (handler.update === undefined) throw new WriteRefused('read_only', `${family} is a read-only view: Asterisk cannot update it`)
        n = await handler.update(family, req)
      } else {
        const req = parseDestroy(body)
        if (handler.destroy === undefined) throw new WriteRefused('read_only', `${family} is a read-only view: Asterisk cannot delete from it`)
        n = await handler.destroy(family, req)
      }
      return encodeCount(n)
    } catch (err) {
      return this.refuse(err, rawFamily, op)
    }
  }
}
