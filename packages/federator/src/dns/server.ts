/**
 * The DNS server's sockets: one UDP socket and one TCP listener on the same
 * address and port, both handing each message to the responder
 * (responder.ts). TCP messages carry a 2-byte length; a connection may send
 * several, is closed after DNS_TCP_IDLE_MS without one, and at most
 * DNS_MAX_TCP_CONNECTIONS are open at a time (more are closed at once).
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { isIPv6 } from 'node:net'
import type { Logger } from 'pino'
import { DnsResponder, type ResponderOptions } from './responder.js'

export const DNS_TCP_IDLE_MS = 10_000
export const DNS_MAX_TCP_CONNECTIONS = 64

export interface DnsServerOptions extends ResponderOptions {
  host: string
  /** 0: any free port (the same one for UDP and TCP) */
  port: number
  log: Logger
  tcpIdleMs?: number
  maxTcpConnections?: number
}

export class DnsServer {
  readonly responder: DnsResponder
  private udp: dgram.Socket | null = null
  private tcp: net.Server | null = null
  private readonly sockets = new Set<net.Socket>()
  port = 0

  constructor (private readonly opts: DnsServerOptions) {
    this.responder = new DnsResponder(opts)
  }

  async listen (): Promise<void> {
    const { host, log } = this.opts
    const udp = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' })
    await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(this.opts.port, host, () => { udp.off('error', reject); resolve() }) })
    this.udp = udp
    this.port = udp.address().port
    udp.on('error', (err) => log.warn({ err }, 'dns: UDP socket error'))
    udp.on('message', (msg, rinfo) => {
      const out = this.safeHandle(msg, rinfo.address, 'udp')
      if (out !== null) udp.send(out, rinfo.port, rinfo.address)
    })
    const tcp = net.createServer((socket) => this.onConnection(socket))
    tcp.maxConnections = this.opts.maxTcpConnections ?? DNS_MAX_TCP_CONNECTIONS
    await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(this.port, host, () => { tcp.off('error', reject); resolve() }) })
    tcp.on('error', (err) => log.warn({ err }, 'dns: TCP listener error'))
    this.tcp = tcp
  }

  /** A response, or null; an unexpected error is logged and the query dropped (the server goes on). */
  private safeHandle (msg: Buffer, source: string, transport: 'udp' | 'tcp'): Buffer | null {
    try {
      return this.responder.handle(msg, source, transport)
    } catch (err) {
      this.opts.log.error({ err, source }, 'dns: answering a query failed')
      return null
    }
  }

  private onConnection (socket: net.Socket): void {
    this.sockets.add(socket)
    socket.setTimeout(this.opts.tcpIdleMs ?? DNS_TCP_IDLE_MS, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.sockets.delete(socket))
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0)
        if (pending.length < 2 + len) break
        const msg = pending.subarray(2, 2 + len)
        pending = pending.subarray(2 + len)
        const out = this.safeHandle(msg, socket.remoteAddress ?? '', 'tcp')
        if (out === null) { socket.destroy(); return }
        const framed = Buffer.alloc(2 + out.length)
        framed.writeUInt16BE(out.length, 0)
        out.copy(framed, 2)
        socket.write(framed)
      }
    })
  }

  async close (): Promise<void> {
    const udp = this.udp
    const tcp = this.tcp
    this.udp = null
    this.tcp = null
    for (const s of this.sockets) s.destroy()
    if (udp !== null) await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (tcp !== null) await new Promise<void>((resolve) => tcp.close(() => resolve()))
  }
}
