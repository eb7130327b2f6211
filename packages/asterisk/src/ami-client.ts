/**
 * A small Asterisk Manager Interface client: one TCP connection per call —
 * connect, `Login`, the call's actions one after the other (a list action
 * such as `PJSIPShowContacts` collects its events until `EventList:
 * Complete`), `Logoff`, close. The node needs AMI for two occasional jobs —
 * push mode's full listing of registrations at every (re)connect (ARI has no
 * listing of contacts) and realtime mode's sorcery cache expiries, a batch of
 * them per session — so there is no long-lived connection to keep. Failures
 * are FED_ERR_AMI with the reason (connection, login, timeout, the action's
 * error message).
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
    const [result] = await this.session([{ action, fields }])
    if (result instanceof FedError) throw result
    return result ?? []
  }

  /**
   * Run several actions in one session (one connection, one login), one after the other: each
   * resolves to its list events ([] for a plain action) or to the FED_ERR_AMI of Asterisk's refusal,
   * without stopping the others. A failed connection, login or timeout rejects the whole call.
   */
  async batch (steps: ReadonlyArray<{ action: string, fields?: Record<string, string> }>): Promise<Array<AmiMessage[] | FedError>> {
    return await this.session(steps)
  }

  private async session (steps: ReadonlyArray<{ action: string, fields?: Record<string, string> }>): Promise<Array<AmiMessage[] | FedError>> {
    this.counters.calls++
    try {
      const results = await this.run(steps)
      this.counters.failures += results.filter((r) => r instanceof FedError).length
      return results
    } catch (e) {
      this.counters.failures++
      throw e
    }
  }

  private run (steps: ReadonlyArray<{ action: string, fields?: Record<string, string> }>): Promise<Array<AmiMessage[] | FedError>> {
    const { host, port, user, password } = this.settings
    const what = steps.length === 1 ? steps[0]!.action : `${steps.length} actions`
    const fail = (message: string, action = what): FedError => new FedError('FED_ERR_AMI', `AMI ${action} on ${host}:${port}: ${message}`, { action })
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port })
      let buf = ''
      let greeted = false
      let loggedIn = false
      let listing = false
      let items: AmiMessage[] = []
      const results: Array<AmiMessage[] | FedError> = []
      const done = (err: Error | null): void => {
        clearTimeout(timer)
        sock.removeAllListeners('data')
        if (err === null) sock.end('Action: Logoff\r\n\r\n')
        sock.destroy()
        if (err === null) resolve(results)
        else reject(err)
      }
      const timer = setTimeout(() => done(fail(`no answer within ${this.tunables.timeoutMs} ms`)), this.tunables.timeoutMs)
      const send = (msg: Record<string, string>): void => {
        sock.write(Object.entries(msg).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n')
      }
      /** the current step ends with `r`; the next one is sent, or the session ends */
      const next = (r?: AmiMessage[] | FedError): boolean => {
        if (r !== undefined) results.push(r)
        listing = false
        items = []
        const step = steps[results.length]
        if (step === undefined) { done(null); return true }
        send({ Action: step.action, ActionID: `s${results.length}`, ...step.fields })
        return false
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
            if (next()) return
            continue
          }
          if (m.ActionID !== `s${results.length}`) continue
          if (!listing) {
            if (m.Response !== 'Success') {
              const refused = /^No .* found/i.test(m.Message ?? '') ? [] : fail(m.Message ?? 'refused', steps[results.length]!.action)
              if (next(refused)) return
              continue
            }
            if (m.EventList !== 'start') { if (next([])) return; continue }
            listing = true
            continue
          }
          if (m.EventList === 'Complete') { if (next(items)) return; continue }
          items.push(m)
        }
      })
    })
  }
}
