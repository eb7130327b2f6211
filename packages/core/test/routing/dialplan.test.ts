import t from 'tap'
import { FedError, extensionMatches, generatedDialplan, MAX_APPDATA } from '../../src/index.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('a context that asks /route and dials the alternatives in order', async (t) => {
  const rows = generatedDialplan({ context: 'from-internal', routeUrl: 'http://127.0.0.1:8080/route', maxAlternatives: 2 })
  const x = rows.filter((r) => r.exten === '_X!')
  t.same(x.map((r) => r.priority), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17'])
  t.same(x.map((r) => `${r.app}(${r.appdata})`), [
    'Set(CURLOPT(hashcompat)=yes)',
    'Set(CURLOPT(httptimeout)=3)',
    'Set(FEDROUTE=${CURL(http://127.0.0.1:8080/route?exten=${URIENCODE(${EXTEN})}&context=from-internal&from=${URIENCODE(${CHANNEL(endpoint)})})})',
    'GotoIf($["${FEDROUTE}" = ""]?16)',
    'ClearHash(fedroute)',
    'Set(HASH(fedroute)=${FEDROUTE})',
    'GotoIf($["${HASH(fedroute,status)}" != "OK"]?15)',
    'GotoIf($["${HASH(fedroute,dial)}" = ""]?14)',
    'Dial(${HASH(fedroute,dial)},${HASH(fedroute,timeout)})',
    'GotoIf($["${DIALSTATUS}" = "CHANUNAVAIL" | "${DIALSTATUS}" = "CONGESTION"]?11:14)',
    'GotoIf($["${HASH(fedroute,dial2)}" = ""]?17)',
    'Dial(${HASH(fedroute,dial2)},${HASH(fedroute,timeout2)})',
    'GotoIf($["${DIALSTATUS}" = "CHANUNAVAIL" | "${DIALSTATUS}" = "CONGESTION"]?17:14)',
    'Hangup()',
    'Hangup(${HASH(fedroute,cause)})',
    'Hangup(41)',
    // no alternative could be reached: what /route would answer, not Asterisk's cause 3 (404)
    'Hangup(${IF($["${HASH(fedroute,reason)}" = "user"]?20:34)})'
  ])
  t.ok(rows.every((r) => r.context === 'from-internal'))
  t.same([...new Set(rows.map((r) => r.exten))], ['_X!', '_+!', '_*!', '_#!'])
})

t.test('patterns cover numbers but not the special extensions', async (t) => {
  const rows = generatedDialplan({ context: 'c', routeUrl: 'http://127.0.0.1:8080/route' })
  const pats = [...new Set(rows.map((r) => r.exten))]
  const hit = (e: string): boolean => pats.some((p) => extensionMatches(p, e))
  for (const e of ['0', '100', '+447700900123', '*97', '#1']) t.ok(hit(e), e)
  for (const e of ['h', 'i', 's', 't', 'u~alice', 't~t1~123']) t.notOk(hit(e), e)
  const inbound = generatedDialplan({ context: 'federator-inbound', routeUrl: 'http://127.0.0.1:8080/route', inbound: true, tech: 'SIP' })
  const ipats = [...new Set(inbound.map((r) => r.exten))]
  for (const e of ['u~alice', 'd~alice-desk', 't~t-b~+44123', '100']) t.ok(ipats.some((p) => extensionMatches(p, e)), e)
  for (const e of ['h', 't', 'i']) t.notOk(ipats.some((p) => extensionMatches(p, e)), e)
  t.ok(inbound.some((r) => r.appdata.includes('${CHANNEL(peername)}')), 'chan_sip reads the peer name')
})

t.test('every row fits the extensions table; bad settings are refused', async (t) => {
  const rows = generatedDialplan({ context: 'x'.repeat(80), routeUrl: 'https://federator.example.org:8443/some/long/path/route', maxAlternatives: 32 })
  t.ok(rows.every((r) => r.appdata.length <= MAX_APPDATA))
  t.equal(rows.filter((r) => r.exten === '_X!').length, 8 + 3 * 32 + 3)
  t.equal(code(() => generatedDialplan({ context: 'a,b', routeUrl: 'http://h/route' })), 'FED_ERR_CONFIG')
  for (const url of ['http://h/route?x=1', 'http://h/r,x', 'http://h/(x', 'ftp://h/route', 'http://h/ route', 'http://h/${X}']) {
    t.equal(code(() => generatedDialplan({ context: 'c', routeUrl: url })), 'FED_ERR_CONFIG', url)
  }
  t.equal(code(() => generatedDialplan({ context: 'c', routeUrl: 'http://h/' + 'p'.repeat(200) })), 'FED_ERR_CONFIG', 'too long for appdata')
})
