import t from 'tap'
import { isFedError } from '@federator/core'
import { defaultRouteUrl, formatFromAccept, mergeNodes, parseForm, routingConfig, type LiveNode } from '../../src/index.js'

const configError = (fn: () => unknown): string => {
  try { fn() } catch (err) { return isFedError(err) ? `${err.code}: ${err.message}` : 'not a FedError' }
  return 'no error'
}

t.test('routing settings: parsed once, bad values are FED_ERR_CONFIG', async (t) => {
  t.same(routingConfig({}), {})
  t.same(routingConfig('{"tech":"sip","contexts":["from-internal","from-internal"],"ringTimeout":20}'), { tech: 'SIP', ringTimeout: 20, contexts: ['from-internal'] }, 'JSON text (env), tech in any case, contexts deduplicated')
  t.same(routingConfig({ routeUrl: 'http://127.0.0.1:7280/route', httpTimeout: 2, codecs: ['ulaw'], pjsipTransport: 'transport-udp' }),
    { routeUrl: 'http://127.0.0.1:7280/route', httpTimeout: 2, codecs: ['ulaw'], pjsipTransport: 'transport-udp' })
  const bad: Array<[unknown, RegExp]> = [
    ['{nope', /expected a JSON object/],
    [[1], /expected an object/],
    [{ tehc: 'SIP' }, /unknown setting\(s\) tehc/],
    [{ tech: 'IAX2' }, /tech must be PJSIP or SIP/],
    [{ ringTimeout: 0 }, /ringTimeout must be an integer/],
    [{ maxAlternatives: 100 }, /maxAlternatives/],
    [{ inboundContext: 'a b' }, /inboundContext/],
    [{ contexts: ['ok', 'not ok'] }, /contexts must be a list/],
    [{ contexts: ['federator-inbound'] }, /must not list the inbound context/],
    [{ routeUrl: 'http://127.0.0.1:7280/route?x=1' }, /cannot be used inside CURL\(\)/],
    [{ routeUrl: 'ftp://x/route' }, /cannot be used inside CURL\(\)/],
    [{ httpTimeout: 0.5 }, /httpTimeout/],
    [{ codecs: 'ulaw' }, /codecs must be a list/],
    [{ sipTransport: 'u d p' }, /sipTransport/]
  ]
  for (const [input, re] of bad) t.match(configError(() => routingConfig(input)), new RegExp('^FED_ERR_CONFIG: routing:? .*' + re.source), JSON.stringify(input))
})

t.test('the default /route URL', async (t) => {
  t.equal(defaultRouteUrl('127.0.0.1', 7280), 'http://127.0.0.1:7280/route')
  t.equal(defaultRouteUrl('0.0.0.0', 7280), 'http://127.0.0.1:7280/route', 'a wildcard address is reached on loopback')
  t.equal(defaultRouteUrl('::', 80), 'http://[::1]:80/route')
  t.equal(defaultRouteUrl('fd00::1', 80), 'http://[fd00::1]:80/route')
})

t.test('form parsing and Accept', async (t) => {
  const p = Object.create(null) as Record<string, string>
  t.equal(parseForm('a=1&b=%2B2&c=+3&d&&e=x%3Dy=z', p, { n: 0 }), undefined)
  t.same({ ...p }, { a: '1', b: '+2', c: '+3', d: '', e: 'x=y=z' })
  const q = Object.create(null) as Record<string, string>
  t.match(parseForm('a=%E0%A4%A&b=1&a=2', q, { n: 0 }), /bad percent-encoding/, 'the first problem is reported')
  t.equal(q.b, '1', 'reading goes on past a bad piece')
  t.equal(formatFromAccept(undefined), 'hashcompat')
  t.equal(formatFromAccept('application/json;q=0'), 'hashcompat', 'q=0 means not acceptable')
  t.equal(formatFromAccept('application/problem+json'), 'json')
  t.equal(formatFromAccept('text/*;q=0.9, application/json;q=0.8'), 'hashcompat')
})

t.test('nodes: records joined with health; unheard and revoked nodes', async (t) => {
  const A = 'a'.repeat(64)
  const B = 'b'.repeat(64)
  const C = 'c'.repeat(64)
  const D = 'd'.repeat(64)
  const live: LiveNode[] = [
    { swarmKey: 'sa', state: 'alive', self: true, info: { name: 'a', writerKey: A } },
    { swarmKey: 'sb', state: 'suspect', self: false, info: { name: 'b-new', sipAddress: '10.0.0.2:5070', writerKey: B } },
    { swarmKey: 'sd', state: 'alive', self: false, info: { name: 'd', writerKey: D } },
    { swarmKey: 'sx', state: 'alive', self: false, info: { name: 'x', writerKey: 'not-a-key' } }
  ]
  const m = mergeNodes({ id: A, name: 'a', sipAddress: '10.0.0.1', owner: 'sa' }, [
    { id: B, name: 'b', swarmKey: 'sb', sipAddress: '10.9.9.9', revoked: false },
    { id: C, name: 'c', swarmKey: 'sc', revoked: false },
    { id: D, name: 'd', swarmKey: 'sd', revoked: true }
  ], live)
  t.same(m.nodes, [
    { id: A, name: 'a', state: 'alive', sipAddress: '10.0.0.1' },
    { id: B, name: 'b-new', state: 'suspect', sipAddress: '10.0.0.2:5070' },
    { id: C, name: 'c', state: 'dead' }
  ], 'heartbeat fields win; a node never heard from is dead; revoked and unidentifiable ones are left out')
  t.same([...m.owners].sort(), [['sa', A], ['sb', B], ['sc', C]])
})
