/**
 * The live call state feature against bad input, without Asterisk: an ARI that is not there
 * (nothing listens: the node keeps going, says ari: false), events for devices that are no device
 * record, malformed events, a flood of state changes for one device (coalesced: a handful of
 * publications, the last state wins), channel counts per trunk, and what ARI going away does
 * (device states UNKNOWN, channel counts withdrawn). Events are fed to the real ARI client the
 * way its WebSocket would; the soft state is @federator/net's.
 */
import t from 'tap'
import { createServer } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import pino from 'pino'
import * as hcrypto from 'hypercore-crypto'
import { SoftState } from '@federator/net'
import { CALLSTATE_KIND, CHANNELS_KIND, DEVSTATE_KIND } from '@federator/core'
import { AriClient, CallStateFeature } from '../src/index.js'

async function closedPort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  return port
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function setup (t: { teardown: (fn: () => Promise<void>) => void }, port?: number): Promise<{ ari: AriClient, soft: SoftState, feature: CallStateFeature, own: (kind: string) => Map<string, unknown> }> {
  const soft = new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 1000, maxItemBytes: 4096, maxTtlMs: 3600_000 })
  const log = pino({ level: 'silent' })
  const ari = new AriClient({ url: `http://127.0.0.1:${port ?? await closedPort()}`, user: 'u', password: 'p', app: 'federator', log, tunables: { backoffMinMs: 20, backoffMaxMs: 100, requestTimeoutMs: 500 } })
  const feature = new CallStateFeature(ari, {
    soft,
    directory: { ready: async () => {}, isDevice: (id) => id.startsWith('dev'), isTrunk: (id) => id === 'tr1' },
    log,
    tunables: { coalesceMs: 30, ttlMs: 5000, refreshMs: 1000, reserveMs: 200 }
  })
  feature.start()
  await ari.ready()
  t.teardown(async () => { feature.close(); await ari.close() })
  const own = (kind: string): Map<string, unknown> => new Map(soft.get(kind).filter((i) => i.local).map((i) => [i.key, i.value]))
  return { ari, soft, feature, own }
}

t.test('ARI unreachable: no crash, the node says its ARI is down', async (t) => {
  const { ari, feature, own } = await setup(t)
  await sleep(300)
  t.equal(ari.connected, false)
  t.same(own(CALLSTATE_KIND).get('ari'), { ari: false }, 'the callstate item says ari: false')
  t.equal(feature.custom.counters.writes, 0, 'nothing written')
  t.ok(feature.metrics().some((m) => m.name === 'federator_callstate_full_syncs_total'), 'metrics still answer')
})

t.test('wrong credentials (every request 401): no crash, ari: false, the client keeps trying', async (t) => {
  let asked = 0
  const srv = createHttpServer((_req, res) => { asked++; res.writeHead(401, { 'www-authenticate': 'Basic realm="asterisk"' }).end() })
  srv.on('upgrade', (_req, socket) => { asked++; socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n') })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { srv.close() })
  const { ari, own } = await setup(t, (srv.address() as { port: number }).port)
  await sleep(300)
  t.ok(asked >= 2, `the client kept trying (${asked} attempts)`)
  t.equal(ari.connected, false)
  t.same(own(CALLSTATE_KIND).get('ari'), { ari: false })
})

t.test('unknown devices, malformed events, Custom: names: counted and ignored', async (t) => {
  const { ari, feature, own } = await setup(t)
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/stranger', state: 'INUSE' } })
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/dev1', state: 'ON_FIRE' } })
  ari.emit('event', { type: 'DeviceStateChanged' })
  ari.emit('event', { type: 'ChannelCreated' })
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'Custom:dev1', state: 'INUSE' } })
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'Queue:q1_avail', state: 'INUSE' } })
  await sleep(60)
  const c = feature.publisher.counters
  t.equal(c.unknownDevices, 1, 'one event for an endpoint that is no device')
  t.equal(c.badEvents, 2, 'an unknown state and a channel event without a channel')
  t.same([...own(DEVSTATE_KIND)], [], 'nothing published')
})

t.test('a flood of state changes for one device is coalesced; the last state wins', async (t) => {
  const { ari, feature, own } = await setup(t)
  const states = ['RINGING', 'INUSE', 'ONHOLD', 'NOT_INUSE']
  for (let i = 0; i < 10_000; i++) ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/dev1', state: states[i % 4] } })
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/dev1', state: 'INUSE' } })
  await sleep(100)
  t.same(own(DEVSTATE_KIND).get('dev1'), { state: 'INUSE' }, 'published: the last state')
  t.ok(feature.publisher.counters.published <= 4, `${feature.publisher.counters.published} publications (callstate marker included) for 10,001 events`)
  t.ok(feature.publisher.counters.coalesced >= 9_990, 'the rest were coalesced')
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/dev1', state: 'NOT_INUSE' } })
  await sleep(100)
  t.equal(own(DEVSTATE_KIND).has('dev1'), false, 'idle: withdrawn')
})

t.test('channels per trunk; ARI gone: device states UNKNOWN, channel counts withdrawn', async (t) => {
  const { ari, feature, own } = await setup(t)
  ari.emit('event', { type: 'ChannelCreated', channel: { id: 'c1', name: 'PJSIP/tr1-00000001' } })
  ari.emit('event', { type: 'ChannelCreated', channel: { id: 'c2', name: 'PJSIP/tr1-00000002' } })
  ari.emit('event', { type: 'ChannelCreated', channel: { id: 'c3', name: 'PJSIP/dev1-00000003' } })
  ari.emit('event', { type: 'ChannelCreated', channel: { id: 'c4', name: 'Local/100@x-00000004;1' } })
  ari.emit('event', { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/dev1', state: 'INUSE' } })
  await sleep(80)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 2 }, 'two channels on the trunk; device and Local channels not counted')
  ari.emit('event', { type: 'ChannelDestroyed', channel: { id: 'c1', name: 'PJSIP/tr1-00000001' } })
  ari.emit('event', { type: 'ChannelDestroyed', channel: { id: 'c9', name: 'PJSIP/tr1-00000009' } })
  await sleep(80)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 1 }, 'one hung up (a channel never seen changes nothing)')
  feature.publisher.onDisconnect()
  await sleep(10)
  t.same(own(DEVSTATE_KIND).get('dev1'), { state: 'UNKNOWN' }, 'ARI down: the device\'s state is UNKNOWN, not the last one seen')
  t.equal(own(CHANNELS_KIND).size, 0, 'channel counts withdrawn')
  t.same(own(CALLSTATE_KIND).get('ari'), { ari: false })
  t.equal(feature.custom.table.combined('dev1'), 'UNKNOWN', 'the node\'s own table follows its items')
})

t.test('a /route decision reserves its trunk channel until the channel exists', async (t) => {
  const { ari, feature, own } = await setup(t)
  feature.publisher.onConnect() // as if ARI had connected (its full sync fails here: counted, nothing else)
  const decision = { status: 'OK', reason: 'route', exten: '00441', why: [], timeout: 60, alternatives: [{ dial: 'PJSIP/441@tr1', timeout: 60, kind: 'trunk', legs: [{ dial: 'PJSIP/441@tr1', trunk: 'tr1' }] }] } as const
  feature.decided(decision as never)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 1 }, 'published at once: one channel reserved')
  feature.decided(decision as never)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 2 }, 'two decisions, two reservations')
  ari.emit('event', { type: 'ChannelCreated', channel: { id: 'c1', name: 'PJSIP/tr1-00000001' } })
  await sleep(60)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 2 }, 'a channel appears: it takes a reservation (still 2)')
  await sleep(300)
  t.same(own(CHANNELS_KIND).get('tr1'), { channels: 1 }, 'the other reservation expired (reserveMs): the channel is left')
  t.equal(feature.publisher.counters.reservations, 2)
})
