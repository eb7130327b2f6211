/**
 * A minimal SIP phone over UDP for the end-to-end suite: REGISTER with digest authentication (MD5,
 * with or without qop=auth), answers OPTIONS (qualify) with 200, records every INVITE it receives and
 * answers it busy (486), with 200 OK and an SDP offer answer, or lets it ring; BYE and CANCEL get
 * their 200 (and 487 for the INVITE). One socket on its own loopback address; nothing else.
 */
import { createHash, randomBytes } from 'node:crypto'
import dgram from 'node:dgram'

export interface SipMessage {
  /** request line method, or undefined for a response */
  method?: string
  uri?: string
  status?: number
  reason?: string
  headers: Array<[string, string]>
  body: string
  raw: string
  from: { address: string, port: number }
}

export function header (m: SipMessage, name: string): string | undefined {
  const n = name.toLowerCase()
  return m.headers.find(([k]) => k.toLowerCase() === n)?.[1]
}

export function parseSip (raw: string, from: { address: string, port: number }): SipMessage {
  const [head = '', ...rest] = raw.split('\r\n\r\n')
  const lines = head.split('\r\n')
  const first = lines.shift() ?? ''
  const headers: Array<[string, string]> = []
  for (const line of lines) {
    if (/^\s/.test(line) && headers.length > 0) { headers[headers.length - 1]![1] += ' ' + line.trim(); continue }
    const i = line.indexOf(':')
    if (i > 0) headers.push([compactName(line.slice(0, i).trim()), line.slice(i + 1).trim()])
  }
  const m: SipMessage = { headers, body: rest.join('\r\n\r\n'), raw, from }
  const resp = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first)
  if (resp !== null) { m.status = Number(resp[1]); m.reason = resp[2] } else {
    const [method, uri] = first.split(' ')
    m.method = method; m.uri = uri
  }
  return m
}

const COMPACT: Record<string, string> = { v: 'Via', f: 'From', t: 'To', i: 'Call-ID', m: 'Contact', l: 'Content-Length', c: 'Content-Type' }
function compactName (n: string): string { return COMPACT[n] ?? n }

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** Parse `Digest realm="x",nonce="y",qop="auth"` into its parameters. */
export function parseChallenge (h: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of h.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z]+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? ''
  return out
}

/** The Authorization header answering a digest challenge. */
export function digestAuthorization (challenge: string, method: string, uri: string, user: string, password: string, nc = 1): string {
  const c = parseChallenge(challenge)
  const ha1 = md5(`${user}:${c.realm}:${password}`)
  const ha2 = md5(`${method}:${uri}`)
  const qop = c.qop?.split(',').map((s) => s.trim()).includes('auth') === true ? 'auth' : undefined
  const cnonce = randomBytes(8).toString('hex')
  const ncs = nc.toString(16).padStart(8, '0')
  const response = qop === undefined ? md5(`${ha1}:${c.nonce}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ncs}:${cnonce}:${qop}:${ha2}`)
  let h = `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=MD5`
  if (c.opaque !== undefined) h += `, opaque="${c.opaque}"`
  if (qop !== undefined) h += `, qop=${qop}, nc=${ncs}, cnonce="${cnonce}"`
  return h
}

export type AnswerMode = 'ok' | 'busy' | 'ring'

export interface PhoneOptions {
  /** SIP user (the device id) and password */
  user: string
  password: string
  /** the Asterisk it registers with, host:port */
  registrar: string
  /** local address to bind (default 127.0.0.1) */
  address?: string
  /** how INVITEs are answered (default 'ok') */
  answer?: AnswerMode
  userAgent?: string
}

export interface RegisterResult { status: number, reason: string, response: SipMessage }

const T_RESPONSE = 5000

export class TestPhone {
  readonly invites: SipMessage[] = []
  readonly options: SipMessage[] = []
  readonly byes: SipMessage[] = []
  answer: AnswerMode
  port = 0
  readonly callId = randomBytes(8).toString('hex') + '@test-phone'
  private sock: dgram.Socket | null = null
  private cseq = 1
  private readonly tag = randomBytes(4).toString('hex')
  private readonly waiting = new Map<string, (m: SipMessage) => void>()

  constructor (readonly opts: PhoneOptions) {
    this.answer = opts.answer ?? 'ok'
  }

  get address (): string { return this.opts.address ?? '127.0.0.1' }
  get contactUri (): string { return `sip:${this.opts.user}@${this.address}:${this.port}` }
  private get registrarHost (): string { return this.opts.registrar.replace(/:\d+$/, '') }
  private get registrarPort (): number { return Number(/:(\d+)$/.exec(this.opts.registrar)?.[1] ?? 5060) }

  async start (): Promise<this> {
    const s = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => { s.once('error', reject); s.bind(0, this.address, resolve) })
    this.port = s.address().port
    s.on('message', (buf, rinfo) => this.onMessage(parseSip(buf.toString('utf8'), { address: rinfo.address, port: rinfo.port })))
    this.sock = s
    return this
  }

  close (): void {
    this.sock?.close()
    this.sock = null
  }

  private send (text: string, to: { address: string, port: number }): void {
    this.sock?.send(Buffer.from(text), to.port, to.address)
  }

  private request (method: string, uri: string, extra: string[], cseq: number, branch: string): string {
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${this.opts.user}@${this.registrarHost}>;tag=${this.tag}`,
      `To: <sip:${this.opts.user}@${this.registrarHost}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `User-Agent: ${this.opts.userAgent ?? 'federator-test-phone'}`,
      ...extra,
      'Content-Length: 0',
      '', ''
    ].join('\r\n')
  }

  /** Send a request and wait for its final response (1xx skipped). */
  private async transact (method: string, uri: string, extra: string[]): Promise<SipMessage> {
    const cseq = this.cseq++
    const branch = randomBytes(6).toString('hex')
    const text = this.request(method, uri, extra, cseq, branch)
    const to = { address: this.registrarHost, port: this.registrarPort }
    return await new Promise<SipMessage>((resolve, reject) => {
      let tries = 0
      const resend = (): void => {
        if (tries++ > 6) { clearInterval(timer); this.waiting.delete(branch); reject(new Error(`${method} to ${this.opts.registrar}: no final response`)); return }
        this.send(text, to)
      }
      const timer = setInterval(resend, T_RESPONSE / 6)
      this.waiting.set(branch, (m) => {
        if ((m.status ?? 0) < 200) return
        clearInterval(timer)
        this.waiting.delete(branch)
        resolve(m)
      })
      resend()
    })
  }

  /** REGISTER (answering one digest challenge); expires 0 unregisters this contact. */
  async register (expires = 300, password = this.opts.password): Promise<RegisterResult> {
    const uri = `sip:${this.registrarHost}:${this.registrarPort}`
    const extra = [`Contact: <${this.contactUri}>`, `Expires: ${expires}`]
    let res = await this.transact('REGISTER', uri, extra)
    if (res.status === 401 || res.status === 407) {
      const challenge = header(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? ''
      const auth = digestAuthorization(challenge, 'REGISTER', uri, this.opts.user, password)
      res = await this.transact('REGISTER', uri, [...extra, `${res.status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${auth}`])
    }
    return { status: res.status ?? 0, reason: res.reason ?? '', response: res }
  }

  unregister (): Promise<RegisterResult> { return this.register(0) }

  private onMessage (m: SipMessage): void {
    if (m.status !== undefined) {
      const branch = /branch=z9hG4bK([0-9a-f]+)/.exec(header(m, 'Via') ?? '')?.[1]
      if (branch !== undefined) this.waiting.get(branch)?.(m)
      return
    }
    switch (m.method) {
      case 'OPTIONS': this.options.push(m); this.reply(m, 200, 'OK'); break
      case 'INVITE': this.onInvite(m); break
      case 'ACK': break
      case 'BYE': this.byes.push(m); this.reply(m, 200, 'OK'); break
      case 'CANCEL': this.reply(m, 200, 'OK'); this.reply(this.invites.find((i) => header(i, 'Call-ID') === header(m, 'Call-ID')) ?? m, 487, 'Request Terminated'); break
      default: this.reply(m, 501, 'Not Implemented')
    }
  }

  private onInvite (m: SipMessage): void {
    const retransmit = this.invites.some((i) => header(i, 'Call-ID') === header(m, 'Call-ID') && header(i, 'CSeq') === header(m, 'CSeq'))
    if (!retransmit) this.invites.push(m)
    this.reply(m, 100, 'Trying')
    if (this.answer === 'busy') { this.reply(m, 486, 'Busy Here'); return }
    this.reply(m, 180, 'Ringing')
    if (this.answer === 'ring') return
    const sdp = [
      'v=0', `o=- 1 1 IN IP4 ${this.address}`, 's=-', `c=IN IP4 ${this.address}`, 't=0 0',
      `m=audio ${this.port + 2} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''
    ].join('\r\n')
    this.reply(m, 200, 'OK', [`Contact: <${this.contactUri}>`, 'Content-Type: application/sdp'], sdp)
  }

  /** Answer a request (Via, From, To with our tag, Call-ID, CSeq copied). */
  private reply (m: SipMessage, status: number, reason: string, extra: string[] = [], body = ''): void {
    const vias = m.headers.filter(([k]) => k.toLowerCase() === 'via').map(([, v]) => `Via: ${v}`)
    let to = header(m, 'To') ?? ''
    if (status > 100 && !/;tag=/.test(to)) to += `;tag=${this.tag}`
    const text = [
      `SIP/2.0 ${status} ${reason}`, ...vias, `From: ${header(m, 'From') ?? ''}`, `To: ${to}`,
      `Call-ID: ${header(m, 'Call-ID') ?? ''}`, `CSeq: ${header(m, 'CSeq') ?? ''}`, ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`, '', body
    ].join('\r\n')
    // answer where it came from (rport): Asterisk listens where it sent from
    this.send(text, m.from)
  }

  /** The INVITEs received so far whose request URI user part is `user`. */
  invitesFor (user: string): SipMessage[] {
    return this.invites.filter((i) => new RegExp(`^sips?:${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@`).test(i.uri ?? ''))
  }
}
