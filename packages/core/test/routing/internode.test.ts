import t from 'tap'
import {
  DEFAULT_INTERNODE_FROM_USER, interNodeRows, interNodeTrunks, interNodeTrunksOf, parseSipAddress, decideRoute, routingSettings, type RoutingNode
} from '../../src/index.js'
import { A, B, C, D, NOW, cluster } from './fixtures.js'

t.test('SIP addresses', async (t) => {
  t.same(parseSipAddress('10.0.0.2'), { host: '10.0.0.2', port: 5060, ipv6: false })
  t.same(parseSipAddress('10.0.0.2:5070'), { host: '10.0.0.2', port: 5070, ipv6: false })
  t.same(parseSipAddress('sip:pbx-2.example.org:5080'), { host: 'pbx-2.example.org', port: 5080, ipv6: false })
  t.same(parseSipAddress('[fd00::2]:5062'), { host: 'fd00::2', port: 5062, ipv6: true })
  t.same(parseSipAddress('fd00::2'), { host: 'fd00::2', port: 5060, ipv6: true })
  t.same(parseSipAddress('[::1]'), { host: '::1', port: 5060, ipv6: true })
  for (const bad of ['', '10.0.0.2:0', '10.0.0.2:70000', 'a b', 'host,1', '[::1', '[::1]x', 'host:', '-bad.example', 'x'.repeat(300), undefined]) {
    t.equal(parseSipAddress(bad), undefined, String(bad))
  }
})

t.test('one trunk per live peer, with its realtime rows', async (t) => {
  const snap = cluster()
  const r = interNodeTrunksOf(snap)
  t.same(r.trunks.map((x) => [x.endpoint, x.state]), [['fed-b', 'alive'], ['fed-d', 'suspect']], 'not self, not the dead node')
  const b = r.trunks[0]!
  t.equal(b.node, B)
  t.same(b.rows.ps_endpoints, {
    id: 'fed-b', aors: 'fed-b', context: 'federator-inbound', disallow: 'all', allow: 'ulaw,alaw,g722', direct_media: 'no',
    dtmf_mode: 'rfc4733', trust_id_inbound: 'yes', trust_id_outbound: 'yes', send_pai: 'yes', from_user: 'federator~node'
  })
  t.same(b.rows.ps_aors, { id: 'fed-b', contact: 'sip:10.0.0.2:5070', qualify_frequency: '0' })
  t.same(b.rows.ps_endpoint_id_ips, { id: 'fed-b', endpoint: 'fed-b', match: '10.0.0.2' })
  t.match(b.rows.sippeers, { name: 'fed-b', type: 'peer', host: '10.0.0.2', port: '5070', context: 'federator-inbound', insecure: 'port,invite', fromuser: 'federator~node', sendrpid: 'pai' })
  t.notOk(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(DEFAULT_INTERNODE_FROM_USER), 'the From user of inter-node calls can never be a device id')
  t.same(interNodeRows(r, 'ps_aors').map((row) => row.contact), ['sip:10.0.0.2:5070', 'sip:10.0.0.4:5060'])
})

t.test('rows follow membership', async (t) => {
  const snap = cluster()
  snap.setNode({ id: D, name: 'd', sipAddress: '10.0.0.4', state: 'dead' })
  snap.setNode({ id: C, name: 'c', sipAddress: '[fd00::3]:5061', state: 'alive' })
  snap.setNode({ id: 'e'.repeat(64), name: 'e', state: 'alive' })
  const r = interNodeTrunksOf(snap)
  t.same(r.trunks.map((x) => x.endpoint), ['fed-b', 'fed-c'])
  t.equal(r.trunks[1]!.rows.ps_aors.contact, 'sip:[fd00::3]:5061')
  t.equal(r.trunks[1]!.rows.ps_endpoint_id_ips.match, 'fd00::3')
  t.same(r.skipped, [{ node: 'e'.repeat(64), name: 'e', reason: 'no usable sipAddress' }])
  snap.removeNode(B)
  t.same(interNodeTrunksOf(snap).trunks.map((x) => x.endpoint), ['fed-c'])
})

t.test('options: context, prefix, codecs, transports, qualify; names shared by two nodes', async (t) => {
  const nodes: RoutingNode[] = [
    { id: A, name: 'a', sipAddress: '10.0.0.1', state: 'alive', self: true },
    { id: B, name: 'x', sipAddress: '10.0.0.2', state: 'alive', self: false },
    { id: C, name: 'x', sipAddress: '10.0.0.3', state: 'alive', self: false }
  ]
  const r = interNodeTrunks(nodes, { inboundContext: 'from-peers', endpointPrefix: 'node-', codecs: ['opus'], pjsipTransport: 'tcp-t', sipTransport: 'tcp', qualifyFrequency: 30, fromUser: 'peer~x' })
  t.same(r.trunks.map((x) => [x.endpoint, x.node]), [['node-x', B]])
  t.match(r.skipped, [{ node: C, reason: /already used/ }])
  t.match(r.trunks[0]!.rows.ps_endpoints, { context: 'from-peers', allow: 'opus', transport: 'tcp-t', from_user: 'peer~x' })
  t.match(r.trunks[0]!.rows.sippeers, { transport: 'tcp', allow: 'opus', fromuser: 'peer~x' })
  t.equal(r.trunks[0]!.rows.ps_aors.qualify_frequency, '30')
})

t.test('the decision dials exactly the endpoints that are generated', async (t) => {
  const snap = cluster()
  const endpoints = new Set(interNodeTrunksOf(snap).trunks.map((x) => x.endpoint))
  for (const exten of ['100', '200', '300', '9', '8123', '00447700900123', '7447']) {
    const d = decideRoute(snap, { exten }, { now: NOW })
    if (d.status !== 'OK') { t.fail(exten); continue }
    for (const a of d.alternatives) {
      for (const leg of a.legs) {
        if (leg.via === undefined) continue
        const ep = /@(.+)$/.exec(leg.dial)?.[1]
        t.ok(ep !== undefined && endpoints.has(ep), `${leg.dial} uses a generated endpoint`)
      }
    }
  }
})

t.test('routing settings are checked once', async (t) => {
  const code = (fn: () => unknown): string | undefined => { try { fn() } catch (err) { return (err as { code?: string }).code } return undefined }
  t.match(routingSettings({ tech: 'SIP', maxAlternatives: 3 }), { tech: 'SIP', maxAlternatives: 3, inboundContext: 'federator-inbound', endpointPrefix: 'fed-' })
  for (const bad of [{ tech: 'IAX' }, { inboundContext: 'a,b' }, { endpointPrefix: 'x/' }, { ringTimeout: 0 }, { trunkTimeout: 1.5 }, { maxAlternatives: 99 }]) {
    t.equal(code(() => routingSettings(bad as never)), 'FED_ERR_CONFIG', JSON.stringify(bad))
    t.equal(code(() => cluster((i) => { i.settings = bad as never })), 'FED_ERR_CONFIG')
  }
})
