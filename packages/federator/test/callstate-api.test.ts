/**
 * GET /api/v1/cluster/device-states and /channels (http/callstate.ts) over a real soft-state table
 * and a real store's membership: device states of several nodes combined per device, channel counts
 * summed per trunk, the nodes' ARI flags, malformed items left out, filters and bad queries.
 */
import t from 'tap'
import * as hcrypto from 'hypercore-crypto'
import Fastify from 'fastify'
import { SoftState, signItem } from '@federator/net'
import { Store } from '@federator/store'
import { errorHandler } from '@federator/server'
import { CALLSTATE_KEY, CALLSTATE_KIND, CHANNELS_KIND, DEVSTATE_KIND } from '@federator/core'
import { Membership } from '../src/membership.js'
import { callStatePlugin, listChannels, listDeviceStates } from '../src/http/callstate.js'
import { tmpDir } from '../../../test/helpers/index.js'

const HOUR = 3600_000

t.test('device states and channels of the cluster', async (t) => {
  const store = new Store({ dir: tmpDir(t) })
  t.teardown(() => store.close())
  await store.ready()
  const membership = new Membership(store)
  await membership.ready()
  t.teardown(() => membership.close())
  const soft = new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 100, maxItemBytes: 4096, maxTtlMs: 2 * HOUR })
  const other = hcrypto.keyPair()
  await store.write({ op: 'create', type: 'node', id: 'ab'.repeat(32), fields: { name: 'pbx-b', swarmKey: Buffer.from(other.publicKey).toString('hex') } })
  const offer = (kind: string, key: string, value: unknown): void => {
    const { body, signature } = signItem(other, { kind, key, seq: 1, ttlMs: HOUR, value, removed: false })
    t.equal(soft.offer([body, signature, 0], null), 'new')
  }
  soft.publish(DEVSTATE_KIND, 'alice', { state: 'RINGING' }, HOUR)
  soft.publish(CHANNELS_KIND, 'prov', { channels: 1 }, HOUR)
  soft.publish(CALLSTATE_KIND, CALLSTATE_KEY, { ari: true }, HOUR)
  offer(DEVSTATE_KIND, 'alice', { state: 'INUSE' })
  offer(DEVSTATE_KIND, 'bob', { state: 'UNKNOWN' })
  offer(DEVSTATE_KIND, 'junk', { state: 'SIDEWAYS' })
  offer(CHANNELS_KIND, 'prov', { channels: 2 })
  offer(CHANNELS_KIND, 'bad', { channels: -3 })
  offer(CALLSTATE_KIND, CALLSTATE_KEY, { ari: false })

  const src = { soft, membership, network: null, name: 'pbx-a' }
  const ds = listDeviceStates(src)
  t.same(ds.items, [
    { device: 'alice', state: 'RINGINUSE', nodes: [{ node: 'pbx-a', state: 'RINGING' }, { node: 'pbx-b', state: 'INUSE' }] },
    { device: 'bob', state: 'UNKNOWN', nodes: [{ node: 'pbx-b', state: 'UNKNOWN' }] }
  ], 'combined per device, per node; the malformed item left out')
  t.same(ds.nodes, [{ node: 'pbx-a', self: true, ari: true }, { node: 'pbx-b', self: false, ari: false }])
  t.same(listDeviceStates(src, { device: 'bob' }).items.map((i) => i.device), ['bob'])
  t.same([listDeviceStates(src, { limit: 1 }).items.length, listDeviceStates(src, { limit: 1 }).truncated], [1, true])
  t.same(listChannels(src).items, [{ endpoint: 'prov', channels: 3, nodes: [{ node: 'pbx-a', channels: 1 }, { node: 'pbx-b', channels: 2 }] }], 'summed; the malformed count left out')

  const app = Fastify()
  app.setErrorHandler(errorHandler)
  await app.register(callStatePlugin(src), { prefix: '/c' })
  t.teardown(() => app.close())
  t.equal(JSON.parse((await app.inject('/c/device-states?device=alice')).body).items[0].state, 'RINGINUSE')
  t.equal(JSON.parse((await app.inject('/c/channels?endpoint=prov')).body).items[0].channels, 3)
  for (const q of ['device-states?limit=0', 'device-states?endpoint=x', 'channels?device=x', 'device-states?device=a&device=b', 'channels?limit=x']) {
    const res = await app.inject('/c/' + q)
    t.equal(res.statusCode, 400, `${q} → 400`)
    t.equal(JSON.parse(res.body).code, 'FED_ERR_BAD_QUERY')
  }
})
