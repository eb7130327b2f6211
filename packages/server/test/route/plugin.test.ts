import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { RoutingService } from '../../src/index.js'
import { SNAPSHOT_ENTRY_BYTES } from '@federator/core'
import { harness, openStore } from '../helpers.js'
import { clock, pjsipContact, put, softState, write } from './helpers.js'

async function setup (t: Test): Promise<{ app: FastifyInstance, routing: RoutingService }> {
  const store = await openStore(t)
  await write(store,
    put('user', 'alice', { name: 'Alice', extensions: ['100'] }),
    put('device', 'alice-desk', { user: 'alice' }),
    put('user', 'bob', { name: 'Bob', extensions: ['200'] }),
    put('device', 'bob-desk', { user: 'bob' }),
    put('trunk', 't-uk', {}),
    put('trunk', 't-any', {}),
    put('route', 'r-plus', { pattern: '_+44X.', target: { kind: 'trunk', trunk: 't-uk' } }),
    put('route', 'r-space', { pattern: '_44X.', target: { kind: 'trunk', trunk: 't-any' } }))
  const now = clock()
  now.t = Date.now()
  const soft = softState(now)
  const c = pjsipContact('alice-desk', now.t + 3600_000)
  soft.publish('contact', c.id, c, 3600_000)
  const routing = new RoutingService({ store, soft, name: 'a', config: { contexts: ['from-internal'] }, routeUrl: () => 'http://127.0.0.1:7280/route' })
  t.teardown(() => routing.close())
  await routing.ready()
  const { app } = await harness(t, { plugins: [{ name: 'route', plugin: routing.plugin }] }, store)
  return { app, routing }
}

async function ask (app: FastifyInstance, opts: InjectOptions): Promise<{ status: number, type: string, body: string }> {
  const r = await app.inject(opts)
  return { status: r.statusCode, type: String(r.headers['content-type']), body: r.body }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

t.test('formats: hashcompat by default, plain, json; Accept negotiation', async (t) => {
  const { app } = await setup(t)
  const h = await ask(app, { method: 'GET', url: '/route?exten=100' })
  t.same(h, { status: 200, type: 'text/plain; charset=utf-8', body: 'status=OK&dial=PJSIP%2Falice-desk&timeout=30&count=1&reason=user' })
  t.equal((await ask(app, { method: 'GET', url: '/route?exten=100&format=hashcompat' })).body, h.body)
  t.same(await ask(app, { method: 'GET', url: '/route?exten=100&format=plain' }), { status: 200, type: 'text/plain; charset=utf-8', body: 'PJSIP/alice-desk' })
  t.equal((await ask(app, { method: 'GET', url: '/route?exten=200&format=plain' })).body, '', 'plain: empty when not OK')
  t.equal((await ask(app, { method: 'GET', url: '/route?exten=200' })).body, 'status=UNAVAILABLE&count=0&reason=not-registered&cause=20')

  const j = await ask(app, { method: 'GET', url: '/route?exten=100&format=json' })
  t.equal(j.type, 'application/json; charset=utf-8')
  const d = JSON.parse(j.body) as { status: string, reason: string, node: string, alternatives: Array<{ dial: string }>, why: string[] }
  t.match(d, { status: 'OK', reason: 'user', node: 'a', alternatives: [{ dial: 'PJSIP/alice-desk' }] })
  t.ok(d.why.length > 0, 'json carries the trace')

  const accept = async (a: string): Promise<string> => (await ask(app, { method: 'GET', url: '/route?exten=100', headers: { accept: a } })).type
  t.equal(await accept('application/json'), 'application/json; charset=utf-8')
  t.equal(await accept('text/plain;q=0.5, application/json'), 'application/json; charset=utf-8')
  t.equal(await accept('application/json;q=0.5, text/plain'), 'text/plain; charset=utf-8')
  t.equal(await accept('*/*'), 'text/plain; charset=utf-8', 'Asterisk sends */*')
  t.equal(await accept('*/*, application/json'), 'application/json; charset=utf-8')
  t.equal((await ask(app, { method: 'GET', url: '/route?exten=100&format=plain', headers: { accept: 'application/json' } })).body, 'PJSIP/alice-desk', 'format wins over Accept')
})

t.test('POST form bodies: + is a literal plus, %2B too; query and body merge', async (t) => {
  const { app } = await setup(t)
  const plus = 'status=OK&dial=PJSIP%2F%2B447700900123%40t-uk&timeout=60&count=1&reason=route'
  t.equal((await ask(app, { method: 'POST', url: '/route', headers: FORM, payload: 'exten=+447700900123' })).body, plus, 'raw +, as CURL() posts it')
  t.equal((await ask(app, { method: 'POST', url: '/route', headers: FORM, payload: 'exten=%2B447700900123' })).body, plus, 'URIENCODE()d +')
  t.equal((await ask(app, { method: 'GET', url: '/route?exten=+447700900123' })).body, plus, '+ in the query string too')
  t.equal((await ask(app, { method: 'POST', url: '/route', headers: FORM, payload: 'exten=%20447700900123' })).body,
    'status=INVALID&count=0&reason=invalid-exten&cause=28', 'a space is not a plus')
  t.equal((await ask(app, { method: 'POST', url: '/route?format=plain', headers: FORM, payload: 'exten=100&from=&context=from-internal' })).body, 'PJSIP/alice-desk', 'query + body')
  t.equal((await ask(app, { method: 'POST', url: '/route', payload: 'exten=100' })).body.startsWith('status=OK&'), true, 'no content type')
  t.equal((await ask(app, { method: 'POST', url: '/route', headers: { 'content-type': 'text/plain' }, payload: 'exten=100' })).body.startsWith('status=OK&'), true, 'any content type is read as form text')
  t.equal((await ask(app, { method: 'POST', url: '/route', headers: FORM, payload: '&exten=100&' })).body.startsWith('status=OK&'), true, 'empty pieces are skipped')
})

t.test('bad input: a clear status, HTTP 200, never a 5xx', async (t) => {
  const { app, routing } = await setup(t)
  const cases: Array<[string, InjectOptions, string]> = [
    ['no exten', { method: 'GET', url: '/route' }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['empty exten', { method: 'GET', url: '/route?exten=' }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['garbage exten', { method: 'GET', url: '/route?exten=%00%FF' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['bad escape', { method: 'GET', url: '/route?exten=%zz' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['a comma in exten', { method: 'GET', url: '/route?exten=1%2C2' }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['huge exten', { method: 'GET', url: '/route?exten=' + '1'.repeat(5000) }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['huge from', { method: 'GET', url: '/route?exten=100&from=' + 'x'.repeat(5000) }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['repeated', { method: 'GET', url: '/route?exten=100&exten=200' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['repeated across query and body', { method: 'POST', url: '/route?exten=100', headers: FORM, payload: 'exten=100' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['too many parameters', { method: 'GET', url: '/route?exten=100&' + Array.from({ length: 40 }, (_, i) => `p${i}=1`).join('&') }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['unknown format', { method: 'GET', url: '/route?exten=100&format=xml' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['bad tech', { method: 'GET', url: '/route?exten=100&tech=iax2' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['bad context', { method: 'GET', url: '/route?exten=100&context=a%2Cb' }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['unknown node', { method: 'GET', url: '/route?exten=100&node=nowhere' }, 'status=INVALID&count=0&reason=unknown-node&cause=28'],
    ['a hop extension outside the inbound context', { method: 'GET', url: '/route?exten=d~alice-desk' }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['body over the limit', { method: 'POST', url: '/route', headers: FORM, payload: 'exten=100&pad=' + 'x'.repeat(20_000) }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['binary garbage body', { method: 'POST', url: '/route', headers: FORM, payload: Buffer.from([0xff, 0xfe, 0x00, 0x25, 0x3d, 0x26]) }, 'status=INVALID&count=0&reason=invalid-param&cause=28'],
    ['a JSON body is not form data', { method: 'POST', url: '/route', headers: { 'content-type': 'application/json' }, payload: '{"exten":"100"}' }, 'status=INVALID&count=0&reason=invalid-exten&cause=28'],
    ['__proto__', { method: 'GET', url: '/route?__proto__=1&constructor=2&exten=100' }, 'status=OK&dial=PJSIP%2Falice-desk&timeout=30&count=1&reason=user'],
    ['unknown parameters are ignored', { method: 'GET', url: '/route?exten=100&future=1' }, 'status=OK&dial=PJSIP%2Falice-desk&timeout=30&count=1&reason=user']
  ]
  for (const [what, req, want] of cases) {
    const r = await ask(app, req)
    t.equal(r.status, 200, what + ': HTTP 200')
    t.equal(r.body, want, what)
  }
  const j = JSON.parse((await ask(app, { method: 'GET', url: '/route?exten=100&exten=1&format=json' })).body) as { status: string, why: string[] }
  t.match(j, { status: 'INVALID', why: [/exten.*more than once/] }, 'json says why')
  const big = JSON.parse((await ask(app, { method: 'POST', url: '/route', headers: { ...FORM, accept: 'application/json' }, payload: 'x=' + 'y'.repeat(9000) })).body) as { why: string[] }
  t.match(big.why, [/body over 8192 bytes/])
  const ignored = JSON.parse((await ask(app, { method: 'GET', url: '/route?exten=100&future=1&format=json' })).body) as { why: string[] }
  t.match(ignored.why[0], /ignored parameters: future/)

  const m = routing.metrics()
  const answers = m.find((x) => x.name === 'federator_route_answers_total')!
  const n = (status: string): number => answers.samples.find((s) => s.labels?.status === status)!.value
  t.equal(n('INVALID'), 20)
  t.equal(n('OK'), 3)
  t.equal(n('ERROR'), 0)
  t.match(m.map((x) => x.name), ['federator_route_answers_total', 'federator_route_format_total', 'federator_route_nodes', 'federator_route_internode_trunks', 'federator_route_unusable_records', 'federator_route_snapshot_entries', 'federator_route_snapshot_bytes'])
  const parts = Object.fromEntries(m.find((x) => x.name === 'federator_route_snapshot_entries')!.samples.map((s) => [s.labels!.part, s.value]))
  t.ok(parts.users! > 0 && parts.devices! > 0 && parts.extensions! > 0, 'the snapshot\'s users, devices and extensions are counted')
  const bytes = Object.fromEntries(m.find((x) => x.name === 'federator_route_snapshot_bytes')!.samples.map((s) => [s.labels!.part, s.value]))
  t.equal(bytes.users, parts.users! * SNAPSHOT_ENTRY_BYTES.user + (parts.extensions! - parts.users!) * SNAPSHOT_ENTRY_BYTES.extension, 'the snapshot\'s heap by part: users and their extensions')
  t.equal(bytes.devices, parts.devices! * SNAPSHOT_ENTRY_BYTES.device, 'devices')
})

t.test('fuzzed query strings and bodies never give anything but 200', async (t) => {
  const { app } = await setup(t)
  const alphabet = 'exten=+%&2Bfrom;#*=~_-\u00e9\u0000ab12%%ZZ%C3%28'
  let seed = 7
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  for (let i = 0; i < 300; i++) {
    let s = ''
    for (let k = rnd(60); k > 0; k--) s += alphabet[rnd(alphabet.length)]
    const get = await app.inject({ method: 'GET', url: '/route?' + encodeURI(s).replace(/%25/g, '%') })
    const post = await app.inject({ method: 'POST', url: '/route', headers: FORM, payload: s })
    if (get.statusCode !== 200 || post.statusCode !== 200 || !/^status=[A-Z]+&/.test(get.body) || !/^status=[A-Z]+&/.test(post.body)) {
      t.fail(`input ${JSON.stringify(s)}: ${get.statusCode} ${get.body} / ${post.statusCode} ${post.body}`)
      return
    }
  }
  t.pass('300 random inputs, each answered 200 with a status line')
})
