/**
 * Re-discovery after a long partition: hyperswarm gives up on a topic peer
 * after 4 failed connection attempts and looks the topic up again only every
 * ~10 min, so a partition that outlasts its retries would stay split that
 * long after it heals. Discovery therefore looks the topic up again every
 * `rediscoverMs` while the network reports known nodes without a connection,
 * and never while none is missing. (End to end, with a real partition of
 * network namespaces: test/cluster/partition.test.ts.)
 *
 * Hyperswarm is replaced here by a stand-in that counts topic lookups: the
 * rule under test is ours, not hyperswarm's.
 */
import t from 'tap'
import type Hyperswarm from 'hyperswarm'
import { Discovery } from '../src/discovery.js'
import { WarnLimiter, type AddressBookDHT } from '../src/dht.js'
import { clusterKeys, newClusterSecret, tunables } from '../src/index.js'
import { log, sleep, waitFor } from './helpers.js'

t.test('the topic is looked up again while a known node is missing, and only then', async (t) => {
  let lookups = 0
  let missing = 0
  const swarm = { join: () => ({ refresh: async () => { lookups++ } }) } as unknown as Hyperswarm
  const dht = { fullyBootstrapped: async () => {}, toArray: () => [{}] } as unknown as AddressBookDHT
  const d = new Discovery({
    swarm,
    dht,
    cluster: clusterKeys(newClusterSecret()),
    publicKey: Buffer.alloc(32, 1),
    tunables: tunables({ rediscoverMs: 20, refreshBackoffMs: [] }),
    log,
    warn: new WarnLimiter(log, 60_000),
    address: () => ({ host: '127.0.0.1', port: 1 }),
    connected: () => false,
    missing: () => missing
  })
  t.teardown(() => d.close())
  d.joinTopic([{ host: '127.0.0.1', port: 9 }])
  await sleep(150)
  t.equal(lookups, 0, 'nobody missing: no lookups')
  missing = 2
  await waitFor('lookups while nodes are missing', () => lookups >= 3, 5000)
  missing = 0
  await sleep(60) // a lookup already started may finish
  const after = lookups
  await sleep(150)
  t.equal(lookups, after, 'none once every known node is connected again')
  await d.close()
  missing = 1
  await sleep(100)
  t.equal(lookups, after, 'none after close')
})
