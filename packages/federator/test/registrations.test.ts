/**
 * GET /api/v1/cluster/registrations' listing (http/registrations.ts) over a real soft-state table and
 * a real store's membership: each registration (PJSIP contact or chan_sip registration) named by the
 * node holding it — this node, or another one known by its node record's swarm key — sorted by node
 * then device, filtered, bounded; malformed items are left out; bad queries are FED_ERR_BAD_QUERY.
 */
import t from 'tap'
import * as hcrypto from 'hypercore-crypto'
import { SoftState, signItem } from '@federator/net'
import { Store } from '@federator/store'
import { Membership } from '../src/membership.js'
import { listRegistrations, registrationsPlugin, REGISTRATIONS_MAX } from '../src/http/registrations.js'
import { tmpDir } from '../../../test/helpers/index.js'
import Fastify from 'fastify'
import { errorHandler } from '@federator/server'

const HOUR = 3600_000

t.test('registrations by node: names, order, filters, limit', async (t) => {
  const store = new Store({ dir: tmpDir(t) })
  t.teardown(() => store.close())
  await store.ready()
  const membership = new Membership(store)
  await membership.ready()
  t.teardown(() => membership.close())

  const soft = new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 100, maxItemBytes: 4096, maxTtlMs: 2 * HOUR })
  const other = hcrypto.keyPair()
  const stranger = hcrypto.keyPair()
  const otherKey = Buffer.from(other.publicKey).toString('hex')
  await store.write({ op: 'create', type: 'node', id: 'ab'.repeat(32), fields: { name: 'pbx-b', swarmKey: otherKey } })

  const exp = Math.floor(Date.now() / 1000) + 3600
  soft.publish('contact', 'zed;@01', { id: 'zed;@01', aor: 'zed', uri: 'sip:zed@10.0.0.9:5060', expiration_time: exp }, HOUR)
  soft.publish('contact', 'amy;@02', { id: 'amy;@02', aor: 'amy', uri: 'sip:amy@10.0.0.8:5060', expiration_time: exp }, HOUR)
  soft.publish('contact', 'junk', { no: 'aor' }, HOUR) // not a contact: left out
  const offer = (kp: typeof other, kind: string, key: string, value: unknown): void => {
    const { body, signature } = signItem(kp, { kind, key, seq: 1, ttlMs: HOUR, value, removed: false })
    t.equal(soft.offer([body, signature, 0], null), 'new')
  }
  offer(other, 'sipreg', 'bob', { name: 'bob', regseconds: exp, ipaddr: '10.0.0.7', port: 5062 })
  offer(stranger, 'contact', 'eve;@03', { id: 'eve;@03', aor: 'eve', uri: 'sip:eve@10.0.0.6', expiration_time: exp })

  const src = { soft, membership, network: null, name: 'pbx-a' }
  const all = listRegistrations(src)
  t.same(all.items.map((r) => [r.node, r.device, r.kind, r.self]), [
    ['pbx-a', 'amy', 'contact', true],
    ['pbx-a', 'zed', 'contact', true],
    ['pbx-b', 'bob', 'sipreg', false],
    [null, 'eve', 'contact', false]
  ], 'named by node (an unknown holder last, null), then by device; the malformed item left out')
  t.equal(all.total, 4)
  t.equal(all.truncated, false)
  t.match(all.items[2], { id: 'bob', uri: 'sip:bob@10.0.0.7:5062', owner: otherKey.slice(0, 16), expires: new Date(exp * 1000).toISOString() })

  t.same(listRegistrations(src, { node: 'pbx-b' }).items.map((r) => r.device), ['bob'], 'node filter')
  t.same(listRegistrations(src, { device: 'zed' }).items.map((r) => r.node), ['pbx-a'], 'device filter')
  const first = listRegistrations(src, { limit: 1 })
  t.same([first.items.length, first.total, first.truncated], [1, 4, true], 'limit: total and truncated say more matched')

  const app = Fastify()
  app.setErrorHandler(errorHandler)
  await app.register(registrationsPlugin(src), { prefix: '/r' })
  t.teardown(() => app.close())
  t.equal(JSON.parse((await app.inject('/r?device=amy')).body).items[0].device, 'amy')
  for (const q of ['limit=0', `limit=${REGISTRATIONS_MAX + 1}`, 'limit=1.5', 'limit=x', 'nodes=a', 'device=a&device=b']) {
    const res = await app.inject('/r?' + q)
    t.equal(res.statusCode, 400, `${q} → 400`)
    t.equal(JSON.parse(res.body).code, 'FED_ERR_BAD_QUERY')
  }
})
