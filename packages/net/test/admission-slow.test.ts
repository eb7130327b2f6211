/**
 * A member slow to prove the cluster secret (starved of CPU, as when 30 nodes start at once on two
 * cores) is not an intruder: its timed-out admissions are counted and logged apart from wrong proofs,
 * and each retry gets twice the deadline, so a member consistently slower than `admissionTimeoutMs`
 * is admitted on a retry. The slow member here is a bare swarm that holds the secret and answers
 * through our admission code, but only some time after each connection opens.
 */
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import Protomux from 'protomux'
import { admit, ADMIT_PROTOCOL } from '../src/admission.js'
import { formatJoinString, newClusterSecret, parseJoinString, type PeerStatus } from '../src/index.js'
import { makeNode, waitFor } from './helpers.js'
import { rawSwarm } from './raw-swarm.js'

const BASE_MS = 400
/** the slow member answers this long after a connection opens: later than the first deadline, sooner than the second */
const SLOW_MS = 600

function captureLog (): { log: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>); cb() } })
  return { log: pino({ level: 'debug' }, stream), lines }
}

t.test('a member slower than the admission deadline is retried with a longer one and admitted, never reported as an intruder', async (t) => {
  const join = formatJoinString(newClusterSecret())
  const { log, lines } = captureLog()
  const a = await makeNode(t, { join, log, tunables: { admissionTimeoutMs: BASE_MS, admissionMaxTimeoutMs: 4 * BASE_MS } })
  const admitted: PeerStatus[] = []
  a.net.on('peer-admitted', (p: PeerStatus) => admitted.push(p))

  const authKey = parseJoinString(join).cluster.authKey
  let connections = 0
  const slow = await rawSwarm(t, (conn) => {
    connections++
    const mux = Protomux.from(conn)
    // A's admission channel waits (instead of being refused as an unknown protocol) until we answer
    let answer = (): void => {}
    const answered = new Promise<void>((resolve) => { answer = resolve })
    mux.pair({ protocol: ADMIT_PROTOCOL }, async () => { await answered })
    setTimeout(() => {
      if (!conn.destroyed) admit(conn, mux, { authKey, timeoutMs: 30_000, onadmitted: () => {}, onfailed: () => {} })
      answer()
    }, SLOW_MS)
  })
  t.equal(a.net.gate.admissionTimeoutFor(slow.key), BASE_MS)
  slow.dial(a.net.swarmKey!, a.net.address!.port)

  await waitFor('the slow member admitted by A', () => admitted.some((p) => p.swarmKey === slow.key), 30_000)
  const c = a.net.status().counters
  t.ok(c.admissionTimeouts >= 1, `${c.admissionTimeouts} admission(s) timed out first`)
  t.ok(connections >= 2, `admitted on a retry (connection ${connections})`)
  t.same(c.rejected, {}, 'no wrong proof counted')
  const msgs = lines.map((l) => l.msg)
  t.notOk(msgs.includes('peer dropped: it did not prove the cluster secret'), 'never logged as an intruder')
  const timedOut = lines.filter((l) => l.msg === 'peer admission timed out (slow or overloaded peer): dropped, retried with a longer deadline')
  t.ok(timedOut.length >= 1 && timedOut.every((l) => l.swarmKey === slow.key && l.level === 30), 'logged at info as a slow peer, with its key')
  t.equal(timedOut[0]!.timeoutMs, BASE_MS)
  t.equal(timedOut[0]!.nextTimeoutMs, 2 * BASE_MS, 'the next deadline doubles')
  t.equal(a.net.gate.admissionTimeoutFor(slow.key), BASE_MS, 'and is back to the base once admitted')
})

t.test('a wrong proof is still an intruder: counted as rejected, warned, no timeout counted', async (t) => {
  const { log, lines } = captureLog()
  const a = await makeNode(t, { join: formatJoinString(newClusterSecret()), log, tunables: { admissionTimeoutMs: 5000 } })
  const wrongKey = parseJoinString(formatJoinString(newClusterSecret())).cluster.authKey
  const intruder = await rawSwarm(t, (conn) => {
    admit(conn, Protomux.from(conn), { authKey: wrongKey, timeoutMs: 30_000, onadmitted: () => {}, onfailed: () => {} })
  })
  intruder.dial(a.net.swarmKey!, a.net.address!.port)
  await waitFor('A rejected the intruder', () => (a.net.status().counters.rejected['bad-proof'] ?? 0) >= 1, 30_000)
  t.equal(a.net.status().counters.admissionTimeouts, 0)
  const warned = lines.filter((l) => l.msg === 'peer dropped: it did not prove the cluster secret')
  t.ok(warned.length >= 1 && warned[0]!.level === 40 && warned[0]!.swarmKey === intruder.key, 'warned with its key')
})
