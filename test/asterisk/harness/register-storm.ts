/**
 * Many phones registering at once from one UDP socket: each device is a contact of its own
 * (`sip:<device>@<address>:<port>`, its own Call-ID), registering with digest auth (the 401, then
 * the answer), with a bounded number of registrations in flight and retransmissions (T1 = 500 ms,
 * doubling) when Asterisk does not answer. OPTIONS (qualify) get their 200. For the registration
 * storm test and `npm run bench:asterisk`: the same client for every configuration measured.
 *
 * The same socket places and answers calls (`calls()`, for the call set-up bench): as a caller a
 * device sends INVITE (→ 401 → INVITE with credentials → 200), ACKs the 200 and hangs up with BYE;
 * as a callee (every registered device's contact is this socket) each INVITE, re-INVITE included,
 * is answered 200 OK at once with an SDP answer whose media port is a sink socket of its own, the
 * 200 resent until its ACK; BYE, UPDATE and CANCEL get their 200. No RTP is sent.
 */
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { digestAuthorization, header, parseSip, type SipMessage } from './phone.js'

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

export interface CallResult {
  /** final status of each call's INVITE (0: none within 32 s), by call index */
  status: number[]
  /** calls answered 200 and hung up with a 200 to the BYE */
  ok: number
  failed: number
  ms: number
  /** per answered call: first INVITE sent until its 200 OK arrived, ms */
  setupMs: number[]
  /** INVITEs Asterisk sent to the callee side (first transmissions) during the run */
  calleeInvites: number
  retransmits: number
}

/** One client transaction of a call (INVITE or BYE): retransmitted until a response. */
interface Txn { branch: string, text: string, sends: number, timer: NodeJS.Timeout | null, invite: boolean, resolve: (m: SipMessage | null) => void }

/** A callee dialog answered 200 OK, waiting for its ACK. */
interface Answered { text: string, sends: number, timer: NodeJS.Timeout | null }

/** SIP timer B / F: give up on a transaction after 32 s. */
const TIMER_B_MS = 32_000

interface Pending { id: string, password: string, callId: string, cseq: number, branch: string, text: string, sends: number, timer: NodeJS.Timeout | null, step: 1 | 2, resolve: (status: number) => void }

export class RegisterStorm {
  private sock: dgram.Socket | null = null
  port = 0
  private readonly byBranch = new Map<string, Pending>()
  sent = 0
  retransmits = 0
  private media: dgram.Socket | null = null
  private mediaPort = 0
  private readonly txns = new Map<string, Txn>()
  /** ACK of each call's 200 (by Call-ID): sent again when the 200 is retransmitted */
  private readonly acks = new Map<string, string>()
  /** callee dialogs answered (by Call-ID and CSeq) */
  private readonly answered = new Map<string, Answered>()
  calleeInvites = 0

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
    const m = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => { m.once('error', reject); m.bind(0, this.address, resolve) })
    m.on('message', () => {}) // the media sink: RTP Asterisk may send is dropped
    this.media = m
    this.mediaPort = m.address().port
    return this
  }

  close (): void {
    for (const p of this.byBranch.values()) if (p.timer !== null) clearTimeout(p.timer)
    this.byBranch.clear()
    for (const t of this.txns.values()) { if (t.timer !== null) clearTimeout(t.timer); t.resolve(null) }
    this.txns.clear()
    for (const a of this.answered.values()) if (a.timer !== null) clearTimeout(a.timer)
    this.answered.clear()
    this.sock?.close()
    this.sock = null
    this.media?.close()
    this.media = null
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

  /** One registration of one device (its final status; 0: no answer within SIP's 32 s). */
  register (device: { id: string, password: string }, expires = this.o.expires ?? 300): Promise<number> {
    return this.registerOne(device.id, device.password, expires)
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
      if (m.method === 'INVITE') this.onInvite(m)
      else if (m.method === 'ACK') this.onAck(m)
      else if (m.method !== undefined) this.reply(m, raw) // OPTIONS, NOTIFY, BYE, UPDATE, CANCEL: 200
      return
    }
    const branch = /branch=z9hG4bK([0-9a-f]+)/.exec(header(m, 'Via') ?? '')?.[1]
    if (branch !== undefined && this.txns.has(branch)) { this.onTxnResponse(this.txns.get(branch)!, m); return }
    if (m.status === 200 && /INVITE$/.test(header(m, 'CSeq') ?? '')) {
      // a retransmitted 200 of a call already ACKed: ACK again
      const ack = this.acks.get(header(m, 'Call-ID') ?? '')
      if (ack !== undefined) this.sock?.send(Buffer.from(ack), this.rport, this.host)
      return
    }
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

  // ---- calls ----

  /**
   * Place calls (`from` calls `exten` at the registrar), at most `inFlight` at once; each is answered,
   * ACKed and hung up at once. Resolves when every call has ended.
   */
  async calls (list: ReadonlyArray<{ from: { id: string, password: string }, exten: string }>, inFlight = 10): Promise<CallResult> {
    const start = performance.now()
    const status: number[] = new Array<number>(list.length).fill(0)
    const setupMs: number[] = []
    const re0 = this.retransmits
    const invites0 = this.calleeInvites
    let ok = 0
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++
        const r = await this.callOne(list[i]!.from, list[i]!.exten)
        status[i] = r.status
        if (r.status === 200) setupMs.push(r.setupMs)
        if (r.status === 200 && r.bye === 200) ok++
      }
    }
    await Promise.all(Array.from({ length: Math.min(inFlight, list.length) }, worker))
    return { status, ok, failed: list.length - ok, ms: performance.now() - start, setupMs, calleeInvites: this.calleeInvites - invites0, retransmits: this.retransmits - re0 }
  }

  /** One call: INVITE (→ 401 → INVITE with credentials) → 200 → ACK → BYE → 200. */
  private async callOne (from: { id: string, password: string }, exten: string): Promise<{ status: number, setupMs: number, bye: number }> {
    const callId = randomBytes(8).toString('hex') + '@storm-call'
    const fromHdr = `<sip:${from.id}@${this.host}>;tag=${randomBytes(4).toString('hex')}`
    const uri = `sip:${exten}@${this.host}:${this.rport}`
    const sdp = this.sdp()
    const inviteExtra = [`Contact: <${this.contactUri(from.id)}>`, 'Content-Type: application/sdp']
    const t0 = performance.now()
    let cseq = 1
    let branch = randomBytes(6).toString('hex')
    let res = await this.transaction(this.callRequest('INVITE', uri, branch, callId, fromHdr, `<${uri}>`, cseq, inviteExtra, sdp), branch, true)
    if (res !== null && (res.status === 401 || res.status === 407)) {
      this.sendRaw(this.callRequest('ACK', uri, branch, callId, fromHdr, header(res, 'To') ?? `<${uri}>`, cseq, []))
      const challenge = header(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? ''
      const auth = `${res.status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${digestAuthorization(challenge, 'INVITE', uri, from.id, from.password)}`
      cseq++
      branch = randomBytes(6).toString('hex')
      res = await this.transaction(this.callRequest('INVITE', uri, branch, callId, fromHdr, `<${uri}>`, cseq, [...inviteExtra, auth], sdp), branch, true)
    }
    const status = res?.status ?? 0
    if (res === null || status !== 200) {
      if (res !== null) this.sendRaw(this.callRequest('ACK', uri, branch, callId, fromHdr, header(res, 'To') ?? `<${uri}>`, cseq, []))
      return { status, setupMs: NaN, bye: 0 }
    }
    const setupMs = performance.now() - t0
    const to = header(res, 'To') ?? ''
    const target = /<([^>]+)>/.exec(header(res, 'Contact') ?? '')?.[1] ?? uri
    const ack = this.callRequest('ACK', target, randomBytes(6).toString('hex'), callId, fromHdr, to, cseq, [])
    this.acks.set(callId, ack)
    this.sendRaw(ack)
    const byeBranch = randomBytes(6).toString('hex')
    const bye = await this.transaction(this.callRequest('BYE', target, byeBranch, callId, fromHdr, to, cseq + 1, []), byeBranch, false)
    this.acks.delete(callId)
    return { status, setupMs, bye: bye?.status ?? 0 }
  }

  private sdp (): string {
    return ['v=0', `o=- 1 1 IN IP4 ${this.address}`, 's=-', `c=IN IP4 ${this.address}`, 't=0 0',
      `m=audio ${this.mediaPort} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n')
  }

  private callRequest (method: string, uri: string, branch: string, callId: string, from: string, to: string, cseq: number, extra: string[], body = ''): string {
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${branch};rport`,
      'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`,
      'User-Agent: federator-storm', ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body
    ].join('\r\n')
  }

  private sendRaw (text: string): void {
    this.sent++
    this.sock?.send(Buffer.from(text), this.rport, this.host)
  }

  /**
   * Send a request and resolve with its final response (null: none within 32 s). Retransmitted at T1
   * doubling (up to 4 s); an INVITE stops retransmitting at its first provisional response.
   */
  private transaction (text: string, branch: string, invite: boolean): Promise<SipMessage | null> {
    return new Promise((resolve) => {
      const t: Txn = { branch, text, sends: 0, timer: null, invite, resolve }
      const deadline = setTimeout(() => this.endTxn(t, null), TIMER_B_MS)
      t.resolve = (m) => { clearTimeout(deadline); resolve(m) }
      this.txns.set(branch, t)
      this.retransmitTxn(t)
    })
  }

  private retransmitTxn (t: Txn): void {
    if (t.sends > 0) this.retransmits++
    this.sendRaw(t.text)
    const wait = Math.min(500 * 2 ** t.sends, 4000)
    t.sends++
    t.timer = setTimeout(() => this.retransmitTxn(t), wait)
  }

  private endTxn (t: Txn, m: SipMessage | null): void {
    if (t.timer !== null) clearTimeout(t.timer)
    this.txns.delete(t.branch)
    t.resolve(m)
  }

  private onTxnResponse (t: Txn, m: SipMessage): void {
    if ((m.status ?? 0) >= 200) { this.endTxn(t, m); return }
    if (t.invite && t.timer !== null) { clearTimeout(t.timer); t.timer = null } // proceeding: no more retransmissions
  }

  /** The callee side (and re-INVITEs to a caller): 200 OK with an SDP answer, resent until the ACK. */
  private onInvite (m: SipMessage): void {
    const key = `${header(m, 'Call-ID') ?? ''} ${header(m, 'CSeq') ?? ''}`
    const had = this.answered.get(key)
    if (had !== undefined) { this.sock?.send(Buffer.from(had.text), m.from.port, m.from.address); return }
    if (!/;tag=/.test(header(m, 'To') ?? '')) this.calleeInvites++ // a new call, not a re-INVITE
    const user = /^sips?:([^@;>]+)@/.exec(m.uri ?? '')?.[1] ?? 'storm'
    const text = this.response(m, 200, 'OK', [`Contact: <${this.contactUri(user)}>`, 'Content-Type: application/sdp'], this.sdp())
    const a: Answered = { text, sends: 0, timer: null }
    this.answered.set(key, a)
    const send = (): void => {
      this.sock?.send(Buffer.from(text), m.from.port, m.from.address)
      if (++a.sends >= 7) { this.answered.delete(key); return }
      a.timer = setTimeout(send, Math.min(500 * 2 ** (a.sends - 1), 4000))
    }
    send()
  }

  private onAck (m: SipMessage): void {
    const callId = header(m, 'Call-ID') ?? ''
    const n = /^(\d+)/.exec(header(m, 'CSeq') ?? '')?.[1]
    const key = `${callId} ${n ?? ''} INVITE`
    const a = this.answered.get(key)
    if (a === undefined) return
    if (a.timer !== null) clearTimeout(a.timer)
    this.answered.delete(key)
  }

  private response (m: SipMessage, status: number, reason: string, extra: string[] = [], body = ''): string {
    const vias = m.headers.filter(([k]) => k.toLowerCase() === 'via').map(([, v]) => `Via: ${v}`)
    let to = header(m, 'To') ?? ''
    if (!/;tag=/.test(to)) to += ';tag=storm'
    return [`SIP/2.0 ${status} ${reason}`, ...vias, `From: ${header(m, 'From') ?? ''}`, `To: ${to}`, `Call-ID: ${header(m, 'Call-ID') ?? ''}`,
      `CSeq: ${header(m, 'CSeq') ?? ''}`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n')
  }

  /** 200 to a request (qualify), Via/From/To/Call-ID/CSeq copied. */
  private reply (m: SipMessage, _raw: string): void {
    this.sock?.send(Buffer.from(this.response(m, 200, 'OK')), m.from.port, m.from.address)
  }
}
