/**
 * LAN discovery by raw UDP multicast (no DHT needed). Every `lanIntervalMs`
 * a node sends to the group, on one interface only:
 *
 *   msgpack { v: 1, t: 'announce', c: lanId (32 bytes), k: swarm public key (32 bytes), h: host, p: port }
 *
 * `lanId` is derived from the cluster secret (cluster.ts) and reveals nothing
 * of it; nodes of other clusters are ignored. `h:p` is where the node's DHT
 * socket takes connections (a bound 0.0.0.0 is replaced by the interface
 * address, an announced 0.0.0.0 by the sender's address). On hearing a new
 * node, a node answers with an announcement at once, so a newcomer finds the
 * others in milliseconds rather than an interval. The socket joins the group
 * on the chosen interface only and sends with TTL 1 there.
 */
import dgram from 'node:dgram'
import os from 'node:os'
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { FedError } from '@federator/core'
import type { HostPort } from './peer-address.js'
import { decodeMessage, encodeMessage, isBytes } from './wire.js'

export const LAN_GROUP = '239.255.70.77'
export const LAN_PORT = 49738
const ANSWER_MIN_GAP_MS = 250

export interface LanOptions {
  /** IPv4 address of the interface to use (true: the first non-internal IPv4 interface; a name: that interface) */
  interface: string | true
  group?: string
  port?: number
}

/** Resolves `--lan [interface]` to an IPv4 address. */
export function resolveLanInterface (lan: string | true): string {
  const ifaces = os.networkInterfaces()
  if (lan === true) {
    for (const list of Object.values(ifaces)) {
      for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
    }
    throw new FedError('FED_ERR_CONFIG', 'LAN discovery: no non-internal IPv4 interface found; name one (--lan <interface or address>)')
  }
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(lan)) return lan
  const byName = ifaces[lan]?.find(a => a.family === 'IPv4')
  if (byName !== undefined) return byName.address
  throw new FedError('FED_ERR_CONFIG', `LAN discovery: no IPv4 interface or address "${lan}"`)
}

export interface LanDiscoveryOptions {
  lanId: Buffer
  publicKey: Buffer
  interfaceAddress: string
  group: string
  port: number
  intervalMs: number
  /** where our DHT socket listens */
  address: () => HostPort
  log: Logger
}

export class LanDiscovery extends EventEmitter {
  private socket: dgram.Socket | null = null
  private timer: NodeJS.Timeout | null = null
  private readonly heard = new Map<string, number>()
  private lastSent = 0
  private answerTimer: NodeJS.Timeout | null = null
  private closed = false
  sent = 0
  received = 0

  constructor (private readonly opts: LanDiscoveryOptions) {
    super()
  }

  async start (): Promise<void> {
    if (this.socket !== null || this.closed) return
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
    this.socket = socket
    socket.on('error', (err) => this.opts.log.warn({ err }, 'LAN discovery socket error'))
    socket.on('message', (msg, rinfo) => this.onmessage(msg, rinfo))
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.opts.port, '0.0.0.0', () => { socket.off('error', reject); resolve() })
    })
    socket.addMembership(this.opts.group, this.opts.interfaceAddress)
    socket.setMulticastInterface(this.opts.interfaceAddress)
    socket.setMulticastTTL(1)
    socket.setMulticastLoopback(true)
    this.announce()
    this.timer = setInterval(() => this.announce(), this.opts.intervalMs)
    this.opts.log.info({ interface: this.opts.interfaceAddress, group: this.opts.group, port: this.opts.port }, 'LAN discovery on')
  }

  private announce (): void {
    if (this.socket === null || this.closed) return
    const a = this.opts.address()
    const host = a.host === '0.0.0.0' ? this.opts.interfaceAddress : a.host
    const msg = encodeMessage('announce', { c: this.opts.lanId, k: this.opts.publicKey, h: host, p: a.port })
    this.lastSent = Date.now()
    this.sent++
    this.socket.send(msg, this.opts.port, this.opts.group, (err) => {
      if (err !== null && !this.closed) this.opts.log.debug({ err }, 'LAN announcement not sent')
    })
  }

  private onmessage (msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const m = decodeMessage(msg)
    if (m === null || m.t !== 'announce' || !isBytes(m.c, 32) || !isBytes(m.k, 32)) return
    if (!this.opts.lanId.equals(m.c) || this.opts.publicKey.equals(m.k)) return
    const port = m.p
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return
    const host = typeof m.h === 'string' && m.h !== '' && m.h !== '0.0.0.0' ? m.h : rinfo.address
    this.received++
    const key = Buffer.from(m.k).toString('hex')
    const isNew = !this.heard.has(key)
    this.heard.set(key, Date.now())
    this.emit('peer', key, { host, port } satisfies HostPort)
    if (isNew) this.answerSoon()
  }

  /** Announce now (at most every ANSWER_MIN_GAP_MS) so a newcomer hears us at once. */
  private answerSoon (): void {
    if (this.answerTimer !== null) return
    const wait = Math.max(0, this.lastSent + ANSWER_MIN_GAP_MS - Date.now())
    this.answerTimer = setTimeout(() => { this.answerTimer = null; this.announce() }, wait)
  }

  /** Forgets the peers not heard for `ttlMs`; returns their keys. */
  expire (ttlMs: number): string[] {
    const gone: string[] = []
    const now = Date.now()
    for (const [key, at] of this.heard) {
      if (now - at > ttlMs) { this.heard.delete(key); gone.push(key) }
    }
    return gone
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    if (this.answerTimer !== null) clearTimeout(this.answerTimer)
    const s = this.socket
    this.socket = null
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}
