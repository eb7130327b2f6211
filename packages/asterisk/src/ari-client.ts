/**
 * The node's connection to its local Asterisk's REST Interface (ARI).
 *
 * Two channels: REST requests (`request()`, node:http with a keep-alive agent, basic auth, a timeout
 * each) and the events WebSocket (`/ari/events?app=<app>&subscribeAll=true`),
 * which is also how the client knows Asterisk is there. The WebSocket is kept
 * open for the client's life: when it closes (Asterisk stopped or restarted,
 * wrong credentials, nothing listening) the client says `disconnect` and tries
 * again after an exponential backoff with jitter, capped; every successful
 * open says `connect` — the cue for a feature to (re)do its full sync, since
 * an Asterisk that restarted has forgotten everything pushed into it.
 *
 * Nothing here throws at a caller but `request()` (FED_ERR_ARI with Asterisk's
 * status and answer, or the network error's code); a malformed event is
 * counted and dropped; a rejected login is logged once per outage, at error.
 */
import { EventEmitter } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import WebSocket from 'ws'
import type { Logger } from 'pino'
import { FedError, type Metric } from '@federator/core'
import type { AriSettings } from './settings.js'

/** Tunables (tests shrink them). */
export const ARI_TUNABLES = {
  /** a REST request's timeout */
  requestTimeoutMs: 5000,
  /** first reconnect delay after the WebSocket closed */
  backoffMinMs: 250,
  /** longest reconnect delay */
  backoffMaxMs: 10_000,
  /** how long to wait for the WebSocket to open */
  connectTimeoutMs: 5000,
  /** REST requests in flight at most (more wait their turn) */
  maxInFlight: 64
}
export type AriTunables = typeof ARI_TUNABLES

/** An ARI event as Asterisk sends it: `type` names it (DeviceStateChanged, ChannelStateChange, ContactStatusChange…). */
export interface AriEvent { type: string, application?: string, timestamp?: string, asterisk_id?: string, [field: string]: unknown }

export interface AriClientOptions extends AriSettings {
  log: Logger
  tunables?: Partial<AriTunables>
}

export interface AriRequestOptions {
  /** query parameters (arrays repeat the name) */
  query?: Record<string, string | number | boolean | undefined | ReadonlyArray<string | number>>
  /** JSON body */
  body?: unknown
}

interface AriEvents {
  connect: []
  disconnect: [reason: string]
  event: [AriEvent]
}

export class AriClient extends EventEmitter<AriEvents> {
  readonly url: string
  readonly app: string
  readonly tunables: AriTunables
  private readonly auth: string
  private readonly log: Logger
  private ws: WebSocket | null = null
  private timer: NodeJS.Timeout | null = null
  private attempt = 0
  private started = false
  private closed = false
  private isConnected = false
  private loginRejectedSaid = false
  private inFlight = 0
  private readonly waiting: Array<() => void> = []
  private readonly http: typeof import('node:http') | typeof import('node:https')
  private readonly agent: http.Agent
  readonly counters = { connects: 0, disconnects: 0, events: 0, badEvents: 0, requests: 0, requestErrors: 0 }

  constructor (opts: AriClientOptions) {
    super()
    this.url = opts.url.replace(/\/+$/, '')
    this.app = opts.app
    this.auth = 'Basic ' + Buffer.from(`${opts.user}:${opts.password}`).toString('base64')
    this.log = opts.log
    this.tunables = { ...ARI_TUNABLES, ...opts.tunables }
    this.http = this.url.startsWith('https:') ? https : http
    this.agent = new this.http.Agent({ keepAlive: true, maxSockets: this.tunables.maxInFlight })
  }

  /** True while the events WebSocket is open. */
  get connected (): boolean { return this.isConnected }

  /** Start connecting (resolves at once: Asterisk may start later; `connect` says when it is there). Idempotent. */
  async ready (): Promise<void> {
    if (this.started || this.closed) return
    this.started = true
    this.open()
  }

  /** Close the WebSocket and stop reconnecting. Idempotent. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    const ws = this.ws
    this.ws = null
    if (ws !== null) {
      await new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) { resolve(); return }
        ws.once('close', () => resolve())
        ws.terminate()
      })
    }
    if (this.isConnected) { this.isConnected = false; this.emit('disconnect', 'closed') }
    for (const w of this.waiting.splice(0)) w()
    this.agent.destroy()
  }

  /**
   * One REST request to `/ari/<path>`; resolves with the parsed JSON answer
   * (undefined for 204 or an empty body). Non-2xx → FED_ERR_ARI with
   * `details: { status, body, method, path }`; no answer → FED_ERR_ARI with
   * `details.status` 0 and the network error's code.
   */
  async request<T = unknown>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, opts: AriRequestOptions = {}): Promise<T> {
    if (this.closed) throw new FedError('FED_ERR_ARI', 'the ARI client is closed', { status: 0, method, path })
    await this.slot()
    this.counters.requests++
    try {
      const qs = new URLSearchParams()
      for (const [k, v] of Object.entries(opts.query ?? {})) {
        if (v === undefined) continue
        if (Array.isArray(v)) for (const x of v) qs.append(k, String(x))
        else qs.append(k, String(v))
      }
      const q = qs.toString()
      const target = `${this.url}/ari/${path.replace(/^\/+/, '')}${q === '' ? '' : '?' + q}`
      let res: { status: number, text: string }
      try {
        res = await this.send(method, target, opts.body === undefined ? undefined : JSON.stringify(opts.body))
      } catch (e) {
        const cause = (e as { code?: string }).code ?? (e as Error).name
        throw new FedError('FED_ERR_ARI', `ARI ${method} /ari/${path}: no answer from ${this.url} (${cause})`, { status: 0, method, path, cause })
      }
      const text = res.text
      let body: unknown = text
      if (text !== '') { try { body = JSON.parse(text) } catch { /* kept as text */ } }
      if (res.status < 200 || res.status > 299) {
        const message = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : text.slice(0, 200)
        throw new FedError('FED_ERR_ARI', `ARI ${method} /ari/${path}: ${res.status} ${message}`, { status: res.status, body, method, path })
      }
      return (text === '' ? undefined : body) as T
    } catch (e) {
      this.counters.requestErrors++
      throw e
    } finally {
      this.inFlight--
      this.waiting.shift()?.()
    }
  }

  /**
   * One HTTP exchange over the keep-alive agent (node:http, not fetch: a push of thousands of
   * objects costs ~0.3 ms of the node's CPU per request instead of ~1.5 ms). A request on a reused
   * connection that Asterisk closed meanwhile (its keep-alive timeout) is sent once more.
   */
  private send (method: string, target: string, payload: string | undefined, retried = false): Promise<{ status: number, text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: this.auth }
      if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(payload) }
      const req = this.http.request(target, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }) })
        res.on('error', (e) => { clearTimeout(timer); reject(e) })
      })
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('ARI request timed out'), { code: 'TimeoutError' })), this.tunables.requestTimeoutMs)
      req.on('error', (e: Error & { code?: string }) => {
        clearTimeout(timer)
        if (!retried && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) resolve(this.send(method, target, payload, true))
        else reject(e)
      })
      req.end(payload)
    })
  }

  /** Wait for a free request slot (bounded concurrency: a full push must not open thousands of sockets). */
  private async slot (): Promise<void> {
    while (this.inFlight >= this.tunables.maxInFlight && !this.closed) {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    this.inFlight++
  }

  private open (): void {
    if (this.closed) return
    const wsUrl = this.url.replace(/^http/, 'ws') + `/ari/events?app=${encodeURIComponent(this.app)}&subscribeAll=true`
    const ws = new WebSocket(wsUrl, { headers: { authorization: this.auth }, handshakeTimeout: this.tunables.connectTimeoutMs })
    this.ws = ws
    let failure = ''
    ws.on('open', () => {
      this.attempt = 0
      this.loginRejectedSaid = false
      this.isConnected = true
      this.counters.connects++
      this.log.info({ ari: this.url, app: this.app }, 'ARI connected')
      this.emit('connect')
    })
    ws.on('message', (data) => this.onMessage(data))
    ws.on('unexpected-response', (_req, res) => {
      failure = `HTTP ${res.statusCode ?? '?'}`
      if ((res.statusCode === 401 || res.statusCode === 403) && !this.loginRejectedSaid) {
        this.loginRejectedSaid = true
        this.log.error({ ari: this.url, status: res.statusCode }, 'ARI refused the login: check ari.user (--ari-user) against Asterisk\'s ari.conf; retrying')
      }
      ws.terminate()
    })
    ws.on('error', (e: Error & { code?: string }) => { failure ||= e.code ?? e.message })
    ws.on('close', () => {
      if (this.ws === ws) this.ws = null
      if (this.isConnected) {
        this.isConnected = false
        this.counters.disconnects++
        this.log.warn({ ari: this.url, reason: failure || 'closed by Asterisk' }, 'ARI disconnected: reconnecting')
        this.emit('disconnect', failure || 'closed')
      } else if (this.attempt === 0) {
        this.log.warn({ ari: this.url, reason: failure || 'closed' }, 'ARI not reachable: retrying with backoff')
      }
      this.retry()
    })
  }

  private retry (): void {
    if (this.closed) return
    const base = Math.min(this.tunables.backoffMaxMs, this.tunables.backoffMinMs * 2 ** Math.min(this.attempt, 16))
    this.attempt++
    const delay = Math.round(base / 2 + Math.random() * base / 2)
    this.timer = setTimeout(() => { this.timer = null; this.open() }, delay)
    this.timer.unref()
  }

  private onMessage (data: WebSocket.RawData): void {
    let ev: unknown
    try { ev = JSON.parse(data.toString()) } catch { ev = undefined }
    if (ev === null || typeof ev !== 'object' || typeof (ev as { type?: unknown }).type !== 'string') {
      this.counters.badEvents++
      return
    }
    this.counters.events++
    try {
      this.emit('event', ev as AriEvent)
    } catch (e) {
      this.log.error({ err: e, type: (ev as AriEvent).type }, 'ARI event handler failed')
    }
  }

  /** The client's counters for /metrics. */
  metrics (): Metric[] {
    const c = this.counters
    return [
      { name: 'federator_ari_connected', help: '1 while the events WebSocket to the local Asterisk\'s ARI is open', type: 'gauge', samples: [{ value: this.isConnected ? 1 : 0 }] },
      { name: 'federator_ari_connects_total', help: 'Times the ARI events WebSocket opened (each one starts a full sync)', type: 'counter', samples: [{ value: c.connects }] },
      { name: 'federator_ari_events_total', help: 'ARI events received', type: 'counter', samples: [{ value: c.events }] },
      { name: 'federator_ari_bad_events_total', help: 'ARI messages dropped as malformed', type: 'counter', samples: [{ value: c.badEvents }] },
      { name: 'federator_ari_requests_total', help: 'ARI REST requests made', type: 'counter', samples: [{ value: c.requests }] },
      { name: 'federator_ari_request_errors_total', help: 'ARI REST requests that failed (FED_ERR_ARI)', type: 'counter', samples: [{ value: c.requestErrors }] }
    ]
  }
}
