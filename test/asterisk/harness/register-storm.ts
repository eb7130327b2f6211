/**
 * Many phones registering at once from one UDP socket: each device is a contact of its own
 * (`sip:<device>@<address>:<port>`, its own Call-ID), registering with digest auth (the 401, then
 * the answer), with a bounded number of registrations in flight and retransmissions (T1 = 500 ms,
 * doubling) when Asterisk does not answer. OPTIONS (qualify) get their 200. For the registration
 * storm test and `npm run bench:asterisk`: the same client for every configuration measured.
 */
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { digestAuthorization, header, parseSip } from './phone.js'

export interface StormOptions {
  /** Asterisk's SIP address host:port */
  registrar: string
  /** devices: id and password */
  devices: ReadonlyArray<{ id: string, password: string }>
  /** registrations in flight at most (default 20) */
  inFlight?: number
  /** local address (default 127.0.0.1) */
  address?: string
  expires?: number
  /** give up on one registration after this many sends of one request (default 10: 31.5 s, SIP's timer B) */
  maxSends?: number
}

export interface StormResult {
  /** final status per device id (0: no answer) */
  status: Map<string, number>
  ok: number
  failed: number
  ms: number
  /** REGISTER requests sent (both steps and retransmissions) */
  sent: number
  retransmits: number
}

interface Pending { id: string, password: string, callId: string, cseq: number, branch: string, text: string, sends: number, timer: NodeJS.Timeout | null, step: 1 | 2, resolve: (status: number) => void }

export class RegisterStorm {
  private sock: dgram.Socket | null = null
  port = 0
  private readonly byBranch = new Map<string, Pending>()
  sent = 0
  retransmits = 0

  constructor (readonly o: StormOptions) {}

  get address (): string { return this.o.address ?? '127.0.0.1' }
  private get host (): string { return this.o.registrar.replace(/:\d+$/, '') }
  private get rport (): number { return Number(/:(\d+)$/.exec(this.o.registrar)?.[1] ?? 5060) }

  async start (): Promise<this> {
    const s = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, this.address, resolve) })
    s.setRecvBufferSize?.(8 * 1024 * 1024)
    this.port = s.address().port
    s.on('message', (buf, rinfo) => this.onMessage(buf.toString('utf8'), rinfo))
    this.sock = s
    return this
  }

  close (): void {
    for (const p of this.byBranch.values()) if (p.timer !== null) clearTimeout(p.timer)
    this.byBranch.clear()
    this.sock?.close()
    this.sock = null
  }

  contactUri (id: string): string { return `sip:${id}@${this.address}:${this.port}` }

  /** Register every device (expires 0: unregister); resolves when each has a final answer. */
  async run (expires = this.o.expires ?? 300): Promise<StormResult> {
    const start = performance.now()
    const status = new Map<string, number>()
    const sent0 = this.sent
    const re0 = this.retransmits
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < this.o.devices.length) {
        const d = this.o.devices[next++]!
        status.set(d.id, await this.registerOne(d.id, d.password, expires))
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.o.inFlight ?? 20, this.o.devices.length) }, worker))
    let ok = 0
    for (const s of status.values()) if (s === 200) ok++
    return { status, ok, failed: status.size - ok, ms: performance.now() - start, sent: this.sent - sent0, retransmits: this.retransmits - re0 }
  }

  private registerOne (id: string, password: string, expires: number): Promise<number> {
    return new Promise((resolve) => {
      const p: Pending = { id, password, callId: randomBytes(8).toString('hex') + '@storm', cseq: 1, branch: '', text: '', sends: 0, timer: null, step: 1, resolve }
      this.send(p, [`Expires: ${expires}`])
    })
  }

  private send (p: Pending, extra: string[]): void {
    p.branch = randomBytes(6).toString('hex')
    p.sends = 0
    const uri = `sip:${this.host}:${this.rport}`
    p.text = [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${p.branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${p.id}@${this.host}>;tag=${p.callId.slice(0, 8)}`,
      `To: <sip:${p.id}@${this.host}>`,
      `Call-ID: ${p.callId}`,
      `CSeq: ${p.cseq} REGISTER`,
      `Contact: <${this.contactUri(p.id)}>`,
      'User-Agent: federator-storm',
      ...extra,
      'Content-Length: 0',
      '', ''
    ].join('\r\n')
    this.byBranch.set(p.branch, p)
    this.transmit(p)
  }

  private transmit (p: Pending): void {
    if (p.sends >= (this.o.maxSends ?? 10)) { this.finish(p, 0); return }
    if (p.sends > 0) this.retransmits++
    this.sent++
    const wait = 500 * 2 ** p.sends
    p.sends++
    this.sock?.send(Buffer.from(p.text), this.rport, this.host)
    p.timer = setTimeout(() => this.transmit(p), Math.min(wait, 4000))
  }

  private finish (p: Pending, status: number): void {
    if (p.timer !== null) clearTimeout(p.timer)
    this.byBranch.delete(p.branch)
    p.resolve(status)
  }

  private onMessage (raw: string, from: { address: string, port: number }): void {
    const m = parseSip(raw, from)
    if (m.status === undefined) {
      if (m.method === 'OPTIONS' || m.method === 'NOTIFY') this.reply(m, raw)
      return
    }
    const branch = /branch=z9hG4bK([0-9a-f]+)/.exec(header(m, 'Via') ?? '')?.[1]
    const p = branch === undefined ? undefined : this.byBranch.get(branch)
    if (p === undefined || m.status < 200) return
    if (p.timer !== null) clearTimeout(p.timer)
    this.byBranch.delete(p.branch)
    if ((m.status === 401 || m.status === 407) && p.step === 1) {
      const challenge = header(m, m.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? ''
      const uri = `sip:${this.host}:${this.rport}`
      p.step = 2
      p.cseq++
      const expires = /Expires: (\d+)/.exec(p.text)?.[1] ?? '300'
      this.send(p, [`Expires: ${expires}`, `${m.status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${digestAuthorization(challenge, 'REGISTER', uri, p.id, p.password)}`])
      return
    }
    p.resolve(m.status)
  }

  /** 200 to a request (qualify), Via/From/To/Call-ID/CSeq copied. */
  private reply (m: ReturnType<typeof parseSip>, _raw: string): void {
    const vias = m.headers.filter(([k]) => k.toLowerCase() === 'via').map(([, v]) => `Via: ${v}`)
    let to = header(m, 'To') ?? ''
    if (!/;tag=/.test(to)) to += ';tag=storm'
    const text = ['SIP/2.0 200 OK', ...vias, `From: ${header(m, 'From') ?? ''}`, `To: ${to}`, `Call-ID: ${header(m, 'Call-ID') ?? ''}`, `CSeq: ${header(m, 'CSeq') ?? ''}`, 'Content-Length: 0', '', ''].join('\r\n')
    this.sock?.send(Buffer.from(text), m.from.port, m.from.address)
  }
}
