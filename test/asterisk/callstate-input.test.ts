/**
 * Live call state against bad input from a real Asterisk (ARI on loopback): a node started with
 * the wrong ARI password keeps serving /route and says its ARI is down (metrics, device-states);
 * device-state events of endpoints that are no device record (a trunk) are counted and ignored
 * while the trunk's channels are counted; and a node whose ARI address has nothing listening
 * starts and serves all the same.
 */
import t from 'tap'
import { asteriskOrSkip, startAsterisk, startPhone } from './harness/index.js'
import { freeTcpPort, startCluster, waitFor, type ClusterNode } from '../helpers/cluster.js'

const install = asteriskOrSkip(t)

const metric = async (n: ClusterNode, name: string): Promise<number> => {
  const text = await (await fetch(n.url + '/metrics')).text()
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
}

if (install !== null) {
  t.test('wrong credentials, unknown devices, nothing listening', async (t) => {
    const http = await freeTcpPort()
    const nowhere = await freeTcpPort()
    const names = ['good', 'wrong', 'none'] as const
    const cred = { good: 'federator:federator', wrong: 'federator:not-the-password', none: 'federator:federator' }
    const cluster = await startCluster(t, {
      nodes: 3,
      bootstrap: false,
      spec: (i) => {
        const n = names[i]!
        return { name: n, join: null, args: ['--ari-url', `http://127.0.0.1:${n === 'none' ? nowhere : http}`, '--ari-user', cred[n]], env: { FEDERATOR_ROUTING: JSON.stringify({ contexts: ['from-internal'] }) } }
      }
    })
    const [good, wrong, none] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
    const prov = await startPhone(t, { user: 'p', password: 'x', registrar: '127.0.0.1:9', answer: 'ok' })
    await good.put('trunks', 'tr-x', { host: '127.0.0.1', port: prov.port })
    const ast = await startAsterisk(t, install, { stack: 'pjsip', nodeUrl: good.url, httpPort: http })
    await waitFor('good: ARI connected', async () => await metric(good, 'federator_ari_connected'), (v) => v === 1, 30_000)

    await t.test('wrong password: ARI down, the node serves', async (t) => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      t.equal(await metric(wrong, 'federator_ari_connected'), 0, 'not connected')
      const ds = await wrong.json<{ nodes: Array<{ node: string, ari: boolean }> }>('/api/v1/cluster/device-states')
      t.same(ds.nodes, [{ node: 'wrong', self: true, ari: false }], 'it says its ARI is down')
      const r = await (await fetch(`${wrong.url}/route?format=json&exten=999`)).json() as { status: string }
      t.equal(r.status, 'NOTFOUND', '/route answers')
      t.equal(await metric(none, 'federator_ari_connected'), 0, 'nothing listening: not connected either')
      t.equal((await (await fetch(`${none.url}/route?format=json&exten=999`)).json() as { status: string }).status, 'NOTFOUND', 'and it serves too')
    })

    await t.test('a trunk\'s device state is no device\'s: counted and ignored; its channels are counted', async (t) => {
      await ast.rx('channel originate PJSIP/123@tr-x application Wait 30')
      await waitFor('the trunk channel counted', async () => await good.json<{ items: Array<{ endpoint: string, channels: number }> }>('/api/v1/cluster/channels'),
        (c) => c.items.some((i) => i.endpoint === 'tr-x' && i.channels === 1), 10_000)
      const unknown = await waitFor('unknown device events', async () => await metric(good, 'federator_callstate_unknown_devices_total'), (v) => v > 0, 10_000)
      t.ok(unknown > 0, `${unknown} device-state event(s) of PJSIP/tr-x counted as unknown devices`)
      t.same((await good.json<{ items: unknown[] }>('/api/v1/cluster/device-states')).items, [], 'and no device state published')
      await ast.rx('channel request hangup all')
      await waitFor('no channels', async () => await good.json<{ items: unknown[] }>('/api/v1/cluster/channels'), (c) => c.items.length === 0, 10_000)
      t.pass('hung up: the count is withdrawn')
    })
  })
}
