/**
 * A small Asterisk Manager Interface client: one TCP connection per call —
 * connect, `Login`, one list action (`PJSIPShowContacts`…), collect its
 * events until `EventList: Complete`, `Logoff`, close. Push mode needs AMI for
 * one thing only, the full listing of registrations at every (re)connect
 * (ARI has no listing of contacts), so there is no long-lived connection to
 * keep. Failures are FED_ERR_AMI with the reason (connection, login, timeout,
 * the action's error message).
 */
import net from 'node:net'
import { FedError } from '@federator/core'
import type { AmiSettings } from './settings.js'

/** Tunables (tests shrink them). */
export const AMI_TUNABLES = {
  /** the whole call: connect, login, listing, logoff */
  timeoutMs: 30_000
}

/** One AMI message: its `Key: value` lines (the first of a repeated key kept). */
export type AmiMessage = Record<string, string>

/** Parse one message (the lines before a blank line). */
export function parseAmiMessage (text: string): AmiMessage {
  const m: AmiMessage = {}
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':')
    if (i <= 0) continue
    const k = line.slice(0, i).trim()
    if (!Object.hasOwn(m, k)) m[k] = line.slice(i + 1).trim()
  }
  return m
}

export class AmiClient {
  readonly counters = { calls: 0, failures: 0 }

  constructor (readonly settings: AmiSettings, readonly tunables = AMI_TUNABLES) {}

  /** Run one list action; resolves with its list events (the final `…Complete` event left out). */
  async list (action: string, fields: Record<string, string> = {}): Promise<AmiMessage[]> {
    this.counters.calls++
    try {
      return await this.run(action, fields)
    } catch (e) {
      this.counters.failures++
      throw e
    }
  }

  private run (action: string, fields: Record<string, string>): Promise<AmiMessage[]> {
    const { host, port, user, password } = this.settings
    const fail = (message: string): FedError => new FedError('FED_ERR_AMI', `AMI ${action} on ${host}:${port}: ${message}`, { action })
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port })
      let buf = ''
      let greeted = false
      let loggedIn = false
      let listing = false
      const items: AmiMessage[] = []
      const done = (err: Error | null): void => {
        clearTimeout(timer)
        sock.removeAllListeners('data')
        if (err === null) sock.end('Action: Logoff\r\n\r\n')
        sock.destroy()
        if (err === null) resolve(items)
        else reject(err)
      }
      const timer = setTimeout(() => done(fail(`no answer within ${this.tunables.timeoutMs} ms`)), this.tunables.timeoutMs)
      const send = (msg: Record<string, string>): void => {
        sock.write(Object.entries(msg).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n')
      }
      sock.on('error', (e: Error & { code?: string }) => done(fail(`connection failed (${e.code ?? e.message})`)))
      sock.on('close', () => done(fail('connection closed')))
      sock.on('data', (d) => {
        buf += d.toString('utf8')
        if (!greeted) {
          const nl = buf.indexOf('\r\n')
          if (nl < 0) return
          greeted = true
          buf = buf.slice(nl + 2)
          send({ Action: 'Login', Username: user, Secret: password, Events: 'off', ActionID: 'login' })
        }
        let end: number
        while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
          const m = parseAmiMessage(buf.slice(0, end))
          buf = buf.slice(end + 4)
          if (!loggedIn) {
            if (m.ActionID !== 'login') continue
            if (m.Response !== 'Success') { done(fail(`login refused (${m.Message ?? 'no message'}): check the manager.conf user (--ami-user)`)); return }
            loggedIn = true
            send({ Action: action, ActionID: 'list', ...fields })
            continue
          }
          if (m.ActionID !== 'list') continue
          if (!listing) {
            if (m.Response !== 'Success') { if (/^No .* found/i.test(m.Message ?? '')) done(null); else done(fail(m.Message ?? 'refused')); return }
            listing = true
            if (m.EventList !== 'start') { done(null); return }
            continue
          }
          if (m.EventList === 'Complete') { done(null); return }
          items.push(m)
        }
      })
    })
  }
}
