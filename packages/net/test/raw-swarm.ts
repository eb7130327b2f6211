/**
 * A bare hyperswarm endpoint on 127.0.0.1 (our DHT with an address book, no DHT bootstrap) for tests that
 * play one side of a connection by hand: the swarm key pair, its address, and dialling a peer by key and
 * address. Destroyed at teardown.
 */
import Hyperswarm from 'hyperswarm'
import type HyperDHT from 'hyperdht'
import * as hcrypto from 'hypercore-crypto'
import { createDht } from '../src/dht.js'
import type { T } from './helpers.js'

export interface RawSwarm {
  swarm: Hyperswarm
  keyPair: { publicKey: Buffer, secretKey: Buffer }
  key: string
  port: number
  /** dials `publicKey` at 127.0.0.1:`port` (and redials it when the connection closes) */
  dial: (publicKey: string, port: number) => void
}

export async function rawSwarm (t: T, onconnection: (conn: HyperDHT.NoiseSecretStream) => void, backoffs = [100, 200, 300, 400]): Promise<RawSwarm> {
  const keyPair = hcrypto.keyPair() as { publicKey: Buffer, secretKey: Buffer }
  const dht = createDht({ host: '127.0.0.1', port: 0, bootstrap: [], keyPair })
  const swarm = new Hyperswarm({ dht, keyPair, backoffs })
  t.teardown(() => swarm.destroy({ force: true }))
  swarm.on('connection', (conn) => {
    conn.on('error', () => {})
    onconnection(conn)
  })
  await dht.bind()
  await swarm.listen()
  return {
    swarm,
    keyPair,
    key: keyPair.publicKey.toString('hex'),
    port: dht.address().port,
    dial: (publicKey, port) => {
      dht.book.set(publicKey, [{ host: '127.0.0.1', port }])
      swarm.joinPeer(Buffer.from(publicKey, 'hex'))
    }
  }
}
