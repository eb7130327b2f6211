import t from 'tap'
import fc from 'fast-check'
import { encodeHashcompat, encodeJson, encodePlain, hashValue, routeFromParams, decideRoute } from '../../src/index.js'
import { RUNS } from './arbitraries.js'
import { hashcompat, separateArgs } from './asterisk-sim.js'
import { NOW, cluster } from './fixtures.js'

t.test('hashcompat answers', async (t) => {
  const snap = cluster()
  const ok = decideRoute(snap, { exten: '100' }, { now: NOW })
  t.equal(encodeHashcompat(ok), 'status=OK&dial=PJSIP%2Falice-desk%26PJSIP%2F100%40fed-b&timeout=30&count=1&reason=user')
  const lcr = decideRoute(snap, { exten: '00447700900123' }, { now: NOW })
  const h = hashcompat(encodeHashcompat(lcr))
  t.equal(h.get('status'), 'OK')
  t.equal(h.get('dial'), 'PJSIP/t~t-b~+447700900123@fed-b')
  t.equal(h.get('dial2'), 'PJSIP/447700900123@t-local')
  t.equal(h.get('timeout2'), '60')
  t.equal(h.get('count'), '5')
  t.equal(h.get('dial6'), undefined)
  const fail = decideRoute(snap, { exten: '800' }, { now: NOW })
  t.equal(encodeHashcompat(fail), 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20')
  t.equal(encodeHashcompat(decideRoute(snap, { exten: '123' }, { now: NOW })), 'status=NOTFOUND&count=0&reason=no-match&cause=1')
  t.notOk(encodeHashcompat(ok).includes('+'), 'no + on the wire for these values')
})

t.test('plain and JSON answers', async (t) => {
  const snap = cluster()
  t.equal(encodePlain(decideRoute(snap, { exten: '100' }, { now: NOW })), 'PJSIP/alice-desk&PJSIP/100@fed-b')
  t.equal(encodePlain(decideRoute(snap, { exten: '00447700900123' }, { now: NOW })), 'PJSIP/t~t-b~+447700900123@fed-b', 'first alternative only')
  t.equal(encodePlain(decideRoute(snap, { exten: '700' }, { now: NOW })), '')
  const j = JSON.parse(encodeJson(routeFromParams(snap, { exten: '700' }, { now: NOW, trace: true }))) as Record<string, unknown>
  t.match(j, { status: 'BUSY', reason: 'all-busy', cause: 17, exten: '700', matched: { kind: 'user', id: 'gina' } })
  t.ok(Array.isArray(j.why) && (j.why as string[]).length > 0)
  const k = JSON.parse(encodeJson(decideRoute(snap, { exten: '100' }, { now: NOW, trace: true }))) as Record<string, unknown>
  t.match(k, { status: 'OK', timeout: 30, alternatives: [{ dial: 'PJSIP/alice-desk&PJSIP/100@fed-b', kind: 'endpoint' }] })
  t.equal(k.cause, undefined)
})

t.test('hash values cannot break HASH() or Dial() parsing', async (t) => {
  t.equal(hashValue('a(b),c"d[e]\\f g'), 'a_b__c_d_e__f%20g')
  t.same(separateArgs('PJSIP/a&PJSIP/b,30'), ['PJSIP/a&PJSIP/b', '30'])
  t.same(separateArgs('a(b,c),d'), ['a(b,c)', 'd'], 'the model splits like Asterisk')
})

t.test('property: what Asterisk reads back equals the decision, and Dial() gets exactly two arguments', async () => {
  const snap = cluster()
  const exten = fc.oneof(fc.constantFrom('100', '200', '300', '0', '9', '112', '8123', '7447', '66123', '00447700900123', '600', '123'),
    fc.stringMatching(/^[0-9*#+]{1,14}$/))
  fc.assert(fc.property(exten, fc.constantFrom(undefined, 'sales', 'federator-inbound'), fc.constantFrom(undefined, 'b'), fc.constantFrom('pjsip', 'sip'),
    (e, context, node, tech) => {
      const d = routeFromParams(snap, { exten: e, context, node, tech }, { now: NOW })
      const h = hashcompat(encodeHashcompat(d))
      if (h.get('status') !== d.status || h.get('reason') !== d.reason) return false
      if (d.status !== 'OK') return h.get('count') === '0'
      return d.alternatives.every((a, i) => {
        const dial = h.get(i === 0 ? 'dial' : `dial${i + 1}`)
        const timeout = h.get(i === 0 ? 'timeout' : `timeout${i + 1}`)
        const args = separateArgs(`${dial ?? ''},${timeout ?? ''}`)
        return dial === a.dial && args.length === 2 && args[0] === a.dial && args[1] === String(a.timeout)
      })
    }), { numRuns: RUNS })
})

t.test('property: hashValue equals encodeURIComponent of the value with unsafe characters replaced', async () => {
  const SAFE = /^[A-Za-z0-9 ._~+*#@/&:=;-]*$/
  const reference = (v: string): string => encodeURIComponent(SAFE.test(v) ? v : v.replace(/[^A-Za-z0-9 ._~+*#@/&:=;-]/g, '_'))
  const chars = fc.constantFrom(...'aZ09 ._~+*#@/&:=;-,()[]"\\%?!\'\n\té€'.split(''), '\ud83d', '\ude00')
  fc.assert(fc.property(fc.oneof(fc.string(), fc.array(chars, { maxLength: 30 }).map((a) => a.join(''))), (v) => hashValue(v) === reference(v)), { numRuns: RUNS })
})
