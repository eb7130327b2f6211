/**
 * Per-request work budget over HTTP: fuzzed realtime, /route and admin list
 * requests through app.inject. The steps counted by @federator/core's work
 * counter (not wall time) during a request must stay within c·n (n: bytes of
 * the request; the data set is fixed and small), and every request gets its
 * ordinary answer: realtime 200, /route 200 with a status line, admin 200 or
 * 400 with FED_ERR_BAD_QUERY — never a 500.
 */
import t from 'tap'
import fc from 'fast-check'
import { workCounter } from '@federator/core'
import { RoutingService } from '../src/index.js'
import { harness, openStore } from './helpers.js'
import { rtHarness } from './realtime/harness.js'
import { pjsipContact, softState, clock } from './route/helpers.js'

const runs = { numRuns: Number(process.env.FC_RUNS_HTTP ?? 150) }

const UNITS = ['&', '&', '=', '=', '%', '%25', '%20', '%3D', '%26', '%4', '%ZZ', 'a', 'a', 'b', '1', '.', '-', '+', '%20LIKE', '%20%3C%3D', '%20!%3D',
  'é', '%C3%A9', '%E2%82', 'id', 'name', 'context', 'priority', 'aors', 'exten', 'from', 'node', 'tech', 'format', 'constructor', '__proto__', 'toString',
  'limit', 'cursor', 'enabled', 'true', 'user', 'extension', '%5C', '_']
const text = fc.array(fc.constantFrom(...UNITS), { maxLength: 80 }).map((u) => u.join(''))
const ADVERSARIAL: Array<(n: number) => string> = [
  (n) => '&'.repeat(n),
  (n) => '='.repeat(n),
  (n) => 'id%20LIKE=' + '%25a'.repeat(n / 4) + '%25b',
  (n) => 'name%20LIKE=%25' + '_'.repeat(n / 2) + '%25',
  (n) => 'id=' + '%41'.repeat(n / 3),
  (n) => 'priority=' + '1'.repeat(n) + 'x',
  (n) => '&id=x' + ['disallow', 'external_media_address', 'outbound_auth', 'named_call_group', 'message_context', 'contact_deny', 'contact_permit'].map((c) => c + '=v').join('').repeat(Math.max(1, n / 120)),
  (n) => 'exten=' + '1'.repeat(n),
  (n) => 'exten=1&' + 'x=1&'.repeat(n / 4)
]
const adversarial = fc.tuple(fc.constantFrom(...ADVERSARIAL.keys()), fc.integer({ min: 1, max: 3000 })).map(([i, n]) => ADVERSARIAL[i]!(n))
const input = fc.oneof(text, text, adversarial)

/** Steps per request byte allowed (the data behind each request is a handful of small records). */
const PER_BYTE = 400
const within = (steps: number, bytes: number): boolean => steps <= PER_BYTE * (bytes + 16)

t.test('realtime: fuzzed requests of every operation stay within the work budget, answered 200, nothing fails', async (t) => {
  const h = await rtHarness(t)
  await h.write(
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } },
    { op: 'create', type: 'device', id: 'alice', fields: { user: 'alice', secret: 's3cr3t' } },
    { op: 'create', type: 'device', id: 'a'.repeat(60), fields: { user: 'alice' } },
    { op: 'create', type: 'row', id: 'queues/support', fields: { family: 'queues', columns: { name: 'support', strategy: 'ringall' } } },
    { op: 'create', type: 'row', id: 'extensions/1', fields: { family: 'extensions', columns: { id: '1', context: 'rt', exten: '_X.', priority: '1', app: 'NoOp', appdata: 'a'.repeat(200) } } }
  )
  const families = ['ps_endpoints', 'ps_aors', 'ps_auths', 'ps_contacts', 'sippeers', 'voicemail', 'queues', 'extensions', 'nope']
  const ops = ['single', 'multi', 'multi', 'update', 'store', 'destroy', 'require']
  let worst = 0
  let n = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom(...families), fc.constantFrom(...ops), input, fc.option(input), async (family, op, body, query) => {
    const before = workCounter.steps
    const r = await h.rt(family, op, body, query === null ? undefined : (op === 'update' && n++ % 2 === 0 ? '&' : '') + query)
    const steps = workCounter.steps - before
    const bytes = body.length + (query?.length ?? 0)
    worst = Math.max(worst, steps / (bytes + 16))
    return r.status === 200 && within(steps, bytes)
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(1)} steps per byte`)
  t.same(h.logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg), [], 'no request failed')
})

t.test('/route: fuzzed query strings and form bodies stay within the work budget, answered 200 with a status line', async (t) => {
  const store = await openStore(t)
  const now = clock()
  now.t = Date.now()
  const soft = softState(now)
  const c = pjsipContact('alice-desk', now.t + 3600_000)
  soft.publish('contact', c.id, c, 3600_000)
  await store.writeMany([
    { op: 'create', type: 'user', id: 'alice', fields: { name: 'Alice', extensions: ['100'] } },
    { op: 'create', type: 'device', id: 'alice-desk', fields: { user: 'alice' } },
    { op: 'create', type: 'trunk', id: 't-any', fields: {} },
    { op: 'create', type: 'route', id: 'r-any', fields: { pattern: '_X.', target: { kind: 'trunk', trunk: 't-any' } } }
  ])
  const routing = new RoutingService({ store, soft, name: 'a', config: { contexts: ['from-internal'] }, routeUrl: () => 'http://127.0.0.1:7280/route' })
  t.teardown(() => routing.close())
  await routing.ready()
  const { app: routeApp } = await harness(t, { plugins: [{ name: 'route', plugin: routing.plugin }] }, store)
  let worst = 0
  await fc.assert(fc.asyncProperty(input, fc.boolean(), async (s, post) => {
    const before = workCounter.steps
    const r = post
      ? await routeApp.inject({ method: 'POST', url: '/route', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: s })
      : await routeApp.inject({ method: 'GET', url: '/route?' + s.replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch)) })
    const steps = workCounter.steps - before
    worst = Math.max(worst, steps / (s.length + 16))
    return r.statusCode === 200 && /^status=[A-Z]+&/.test(r.body) && within(steps, s.length)
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(1)} steps per byte`)
})

t.test('admin lists: fuzzed filters stay within the work budget, answered 200 or 400 FED_ERR_BAD_QUERY', async (t) => {
  const { api } = await harness(t)
  await api('POST', '/api/v1/users', { id: 'alice', name: 'Alice', extensions: ['100'] })
  await api('POST', '/api/v1/devices', { id: 'alice', user: 'alice' })
  await api('PUT', '/api/v1/tables/queues', { keys: ['name'] })
  await api('POST', '/api/v1/tables/queues/rows', { columns: { name: 'support' } })
  const paths = ['/api/v1/users', '/api/v1/devices', '/api/v1/trunks', '/api/v1/routes', '/api/v1/tables/queues/rows']
  let worst = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), input, async (path, s) => {
    const query = s.replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch)).replace(/#/g, '%23')
    const before = workCounter.steps
    const r = await api('GET', path + '?' + query)
    const steps = workCounter.steps - before
    worst = Math.max(worst, steps / (s.length + 16))
    const ok = r.statusCode === 200 || (r.statusCode === 400 && (JSON.parse(r.body) as { code: string }).code.startsWith('FED_ERR_BAD_'))
    if (!ok) t.comment(`${path}?${query}: ${r.statusCode} ${r.body.slice(0, 200)}`)
    return ok && within(steps, s.length)
  }), runs)
  t.ok(worst > 0, `at most ${worst.toFixed(1)} steps per byte`)
})
