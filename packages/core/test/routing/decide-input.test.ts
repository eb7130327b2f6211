import t from 'tap'
import fc from 'fast-check'
import {
  MemorySnapshot, decideRoute, encodeHashcompat, encodePlain, parseRouteRequest, routeFromParams,
  type RouteDecision, type RouteRequest, type RoutingSnapshot
} from '../../src/index.js'
import { RUNS } from './arbitraries.js'
import { A, NOW, cluster } from './fixtures.js'

const route = (snap: RoutingSnapshot, params: unknown): RouteDecision => routeFromParams(snap, params, { now: NOW, trace: true })
const STATUSES = ['OK', 'NOTFOUND', 'BUSY', 'UNAVAILABLE', 'CONGESTION', 'INVALID', 'ERROR']

t.test('bad parameters give INVALID with a reason', async (t) => {
  const snap = cluster()
  const bad: Array<[unknown, string]> = [
    [{}, 'invalid-exten'], [null, 'invalid-param'], ['exten=100', 'invalid-param'], [[1], 'invalid-param'],
    [{ exten: '' }, 'invalid-exten'], [{ exten: 'x y' }, 'invalid-exten'], [{ exten: ['100', '200'] }, 'invalid-exten'],
    [{ exten: '1'.repeat(81) }, 'invalid-exten'], [{ exten: '1'.repeat(100_000) }, 'invalid-exten'], [{ exten: '---' }, 'invalid-exten'],
    [{ exten: '100,tT' }, 'invalid-exten'], [{ exten: '100&PJSIP/evil' }, 'invalid-exten'], [{ exten: '1\n2' }, 'invalid-exten'],
    [{ exten: 'é' }, 'invalid-exten'], [{ exten: 42 }, 'invalid-exten'], [{ exten: 'x~y' }, 'invalid-exten'],
    [{ exten: 't~t-b' }, 'invalid-exten'], [{ exten: 'd~a~1' }, 'invalid-exten'],
    [{ exten: '100', node: 'x'.repeat(300) }, 'invalid-param'], [{ exten: '100', node: 'a b' }, 'invalid-param'],
    [{ exten: '100', tech: 'IAX2' }, 'invalid-param'], [{ exten: '100', context: 'a,b' }, 'invalid-param'],
    [{ exten: '100', from: 'has space' }, 'invalid-param'], [{ exten: '100', from: ['a'] }, 'invalid-param']
  ]
  for (const [params, reason] of bad) {
    const d = route(snap, params)
    t.match(d, { status: 'INVALID', reason }, JSON.stringify(params)?.slice(0, 60) ?? String(params))
    t.ok(d.why.length > 0, 'with an explanation')
  }
  t.match(route(snap, { exten: '100', node: 'nope' }), { status: 'INVALID', reason: 'unknown-node' })
})

t.test('empty optional values count as absent; unknown parameters are ignored and reported', async (t) => {
  const snap = cluster()
  const d = route(snap, { exten: '100', from: '', context: '', node: '', tech: '', cid: 'x', format: 'json' })
  t.match(d, { status: 'OK' })
  t.ok(d.why[0]?.startsWith('ignored parameters: cid'), d.why[0] ?? '')
  t.same(parseRouteRequest({ exten: '100', tech: 'sip', from: 'PJSIP/alice-0001' }),
    { ok: true, request: { exten: '100', tech: 'SIP', from: 'PJSIP/alice-0001' }, ignored: [] })
})

t.test('no trace unless asked', async (t) => {
  const d = routeFromParams(cluster(), { exten: '100', foo: 1 }, { now: NOW })
  t.same(d.why, [])
  t.same(routeFromParams(cluster(), { exten: 'x y' }, { now: NOW }).why, [])
})

t.test('a malformed request object or a failing snapshot never throws', async (t) => {
  const snap = cluster()
  t.match(decideRoute(snap, {} as RouteRequest, { now: NOW }), { status: 'INVALID', reason: 'invalid-exten' })
  t.match(decideRoute(snap, null as unknown as RouteRequest, { now: NOW }), { status: 'INVALID' })
  const broken = new Proxy(snap, {
    get (target, prop, recv) {
      if (prop === 'userByExtension') return () => { throw new Error('view closed') }
      const v = Reflect.get(target, prop, recv) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
  const d = decideRoute(broken, { exten: '100' }, { now: NOW, trace: true })
  t.match(d, { status: 'ERROR', reason: 'internal', exten: '100' })
  t.ok(d.why.some((w) => w.includes('view closed')))
  t.match(decideRoute(snap, { exten: '100' }, { now: undefined as unknown as number }), { status: 'UNAVAILABLE' }, 'no clock: nothing is live')
})

t.test('malformed records from peers are left out of routing, not fatal', async (t) => {
  const snap = new MemorySnapshot({
    self: A,
    users: [{ id: 'u1', name: 'U', extensions: 'not-a-list' }, { id: 'u2', name: 'U2', extensions: ['10', 'x y', 7] }, { id: 'bad id', extensions: ['11'] }],
    devices: [{ id: 'd1', user: 'u2', enabled: 'yes' }],
    routes: [
      { id: 'r1', pattern: '_X.', target: { kind: 'pizza' } }, { id: 'r2', pattern: '_[12', target: { kind: 'lcr' } },
      { id: 'r3', pattern: '_1X', context: 'bad context', target: { kind: 'lcr' } }, { id: 'r4', pattern: 5, target: { kind: 'lcr' } },
      { id: 'r5', pattern: '_2X', target: { kind: 'lcr', providers: ['p1', 'bad id'] } }, { id: 'r6', pattern: '_3X', strip: -1, target: { kind: 'lcr' } },
      { id: 'r7', pattern: '_2X', target: { kind: 'lcr', providers: 'p1' } }
    ],
    providers: [{ id: 'p1', name: 'P', trunks: ['t1', 'no,comma'], prefixes: [{ prefix: '2', cost: -1 }, { prefix: '2', cost: 'x' }, { prefix: '21', cost: 1 }, 'junk'] }],
    trunks: [{ id: 't1', maxChannels: 'many', nodes: 'all' }]
  })
  t.same([...snap.invalid().keys()].sort(), ['route/r1', 'route/r2', 'route/r3', 'route/r4', 'route/r6', 'route/r7', 'user/bad id'])
  t.same(snap.user('u1')?.extensions, [])
  t.same(snap.user('u2')?.extensions, ['10'])
  t.equal(snap.device('d1')?.enabled, true)
  t.same(snap.trunk('t1'), { id: 't1', enabled: true, maxChannels: 0, nodes: [] })
  t.same(snap.provider('p1')?.prefixes, [{ prefix: '21', cost: 1 }])
  t.same(snap.provider('p1')?.trunks, ['t1'])
  const d = decideRoute(snap, { exten: '21' }, { now: NOW })
  t.same(d.status === 'OK' ? d.alternatives.map((a) => a.dial) : d.status, ['PJSIP/21@t1'])
})

const SAFE_DIAL = /^[A-Za-z0-9._+*#~@/&-]+$/

t.test('property: any parameters give a status; dial strings never carry a separator', async () => {
  const snap = cluster()
  const value = fc.oneof(
    fc.string({ maxLength: 30 }), fc.constantFrom('100', '200', '00447700900123', '8123', '0', 'u~alice', 't~t-b~1', 'federator-inbound', 'b', 'sip'),
    fc.integer(), fc.constant(null), fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), fc.string({ unit: 'binary', maxLength: 20 })
  )
  const params = fc.dictionary(fc.constantFrom('exten', 'from', 'node', 'context', 'tech', 'format', 'x', '__proto__', 'constructor'), value, { maxKeys: 6 })
  fc.assert(fc.property(params, (p) => {
    const d = route(snap, p)
    if (!STATUSES.includes(d.status)) return false
    const hash = encodeHashcompat(d)
    if (!hash.startsWith('status=' + d.status)) return false
    if (d.status !== 'OK') return encodePlain(d) === ''
    return d.alternatives.length > 0 && d.alternatives.every((a) => SAFE_DIAL.test(a.dial))
  }), { numRuns: RUNS })
})
