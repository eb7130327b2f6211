/**
 * Generated realtime rows, for the realtime plugin's extra-rows hook:
 *
 *   ps_endpoints, ps_aors, ps_endpoint_id_ips, sippeers
 *       the inter-node trunks of every peer that is not dead and has a SIP
 *       address (core routing/internode.ts), so node A's Asterisk can send a
 *       call to node B and B accepts it with no hand-written trunk;
 *   extensions
 *       the generated dialplan (core routing/dialplan.ts) of each configured
 *       context, and of the inbound context (with the hop extensions), so
 *       Asterisk needs only `switch => Realtime/<context>@extensions`.
 *
 * The trunks are recomputed when the view's nodes change; `'change'` is
 * emitted only when the rows actually differ (a node turning suspect keeps
 * its trunk), so the realtime plugin drops its cached answers only then. The
 * dialplan depends on settings and the /route URL only: built once, when
 * first asked (the URL is known once the node listens).
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import {
  generatedDialplan, interNodeRows, interNodeTrunksOf, INTERNODE_FAMILIES, type ExtensionRow, type InterNodeFamily,
  type InterNodeOptions, type InterNodeResult, type RoutingSnapshot
} from '@federator/core'

export type GeneratedRow = Readonly<Record<string, string>>

export const DIALPLAN_FAMILY = 'extensions'

export interface GeneratedRowsOptions {
  view: { readonly snapshot: RoutingSnapshot, on (e: 'nodes', fn: () => void): unknown, off (e: 'nodes', fn: () => void): unknown }
  /** contexts served as a generated dialplan (the inbound context always is) */
  contexts?: readonly string[]
  /** the /route URL as Asterisk reaches it; undefined while unknown (no dialplan rows yet) */
  routeUrl: () => string | undefined
  httpTimeout?: number
  trunks?: Omit<InterNodeOptions, 'inboundContext' | 'endpointPrefix'>
  log?: Logger
}

export declare interface GeneratedRows {
  on (event: 'change', fn: () => void): this
  off (event: 'change', fn: () => void): this
}

export class GeneratedRows extends EventEmitter {
  readonly #opts: GeneratedRowsOptions
  #trunks: InterNodeResult
  #signature: string
  #dialplan: ExtensionRow[] | undefined
  #reported = new Set<string>()
  readonly #onNodes = (): void => { this.refresh() }

  /** The hook to hand to the realtime plugin: rows of a family. */
  readonly hook = (family: string): readonly GeneratedRow[] => this.rows(family)

  constructor (opts: GeneratedRowsOptions) {
    super()
    this.#opts = opts
    this.#trunks = this.#compute()
    this.#signature = signature(this.#trunks)
    opts.view.on('nodes', this.#onNodes)
  }

  close (): void {
    this.#opts.view.off('nodes', this.#onNodes)
  }

  /** The inter-node trunks now (sorted by endpoint name), and the peers left out. */
  get trunks (): InterNodeResult { return this.#trunks }

  rows (family: string): readonly GeneratedRow[] {
    if ((INTERNODE_FAMILIES as readonly string[]).includes(family)) return interNodeRows(this.#trunks, family as InterNodeFamily)
    if (family === DIALPLAN_FAMILY) return this.#dialplanRows()
    return []
  }

  /** Recompute the trunks; emits 'change' when their rows differ. */
  refresh (): void {
    const next = this.#compute()
    const sig = signature(next)
    if (sig === this.#signature) return
    this.#trunks = next
    this.#signature = sig
    this.#opts.log?.info({ trunks: next.trunks.map((t) => t.endpoint) }, 'inter-node trunks changed')
    this.emit('change')
  }

  #compute (): InterNodeResult {
    const r = interNodeTrunksOf(this.#opts.view.snapshot, this.#opts.trunks)
    for (const s of r.skipped) {
      const key = `${s.node}:${s.reason}`
      if (this.#reported.has(key)) continue
      this.#reported.add(key)
      this.#opts.log?.warn({ node: s.node, name: s.name, reason: s.reason }, 'no inter-node trunk for a peer')
    }
    return r
  }

  #dialplanRows (): ExtensionRow[] {
    if (this.#dialplan !== undefined) return this.#dialplan
    const routeUrl = this.#opts.routeUrl()
    if (routeUrl === undefined) return []
    const { settings } = this.#opts.view.snapshot
    const base = { routeUrl, tech: settings.tech, maxAlternatives: settings.maxAlternatives, ...(this.#opts.httpTimeout !== undefined ? { httpTimeout: this.#opts.httpTimeout } : {}) }
    const out: ExtensionRow[] = []
    try {
      for (const context of this.#opts.contexts ?? []) {
        if (context !== settings.inboundContext) out.push(...generatedDialplan({ ...base, context }))
      }
      out.push(...generatedDialplan({ ...base, context: settings.inboundContext, inbound: true }))
    } catch (err) {
      this.#opts.log?.error({ err }, 'generated dialplan not served')
      this.#dialplan = []
      return this.#dialplan
    }
    for (const r of out) r.id = `${r.context}/${r.exten}/${r.priority}`
    this.#dialplan = out
    return out
  }
}

function signature (r: InterNodeResult): string {
  return JSON.stringify(r.trunks.map((t) => t.rows))
}
