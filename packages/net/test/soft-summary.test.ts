/**
 * The soft channel's opening exchange over a real Noise stream pair and protomux: each side sends a
 * summary (slot id, seq) of what it holds, then only the items the other lacks or holds older; two
 * tables already in sync exchange no item at all. A peer that sends items first (a node from before the
 * summary) gets every item, as before.
 */
import t from 'tap'
import * as hcrypto from 'hypercore-crypto'
import Protomux from 'protomux'
import type HyperDHT from 'hyperdht'
import pino from 'pino'
import { SoftState } from '../src/index.js'
import { SoftGossip, SOFT_PROTOCOL } from '../src/soft-gossip.js'
import { toWire } from '../src/soft-state.js'
import { decodeMessage, encodeMessage, RAW } from '../src/wire.js'
import { waitFor, type T } from './helpers.js'
import { rawSwarm } from './raw-swarm.js'

const log = pino({ level: 'silent' })

function table (): SoftState {
  return new SoftState({ keyPair: hcrypto.keyPair(), maxItems: 1000, maxItemBytes: 4096, maxTtlMs: 3600_000 })
}

/** Every item of `from` offered to `to` (as a connection would deliver them). */
function share (from: SoftState, to: SoftState): void {
  for (const it of from.all()) to.offer(toWire(it, Date.now()), null)
}

/** One connection between two bare swarms: a muxer on each end. */
async function pair (t: T): Promise<[Protomux, Protomux]> {
  let ca: HyperDHT.NoiseSecretStream | null = null
  let cb: HyperDHT.NoiseSecretStream | null = null
  const a = await rawSwarm(t, (c) => { ca ??= c })
  const b = await rawSwarm(t, (c) => { cb ??= c })
  a.dial(b.key, b.port)
  await waitFor('connected', () => ca !== null && cb !== null)
  return [Protomux.from(ca!), Protomux.from(cb!)]
}

t.test('tables in sync exchange summaries and no item; a newer or missing item is all that is sent', async (t) => {
  const a = table()
  const b = table()
  a.publish('contact', 'a1', { uri: 'sip:a1' }, 60_000)
  a.publish('contact', 'a2', { uri: 'sip:a2' }, 60_000)
  b.publish('contact', 'b1', { uri: 'sip:b1' }, 60_000)
  share(a, b)
  share(b, a)
  t.equal(a.size, 3)
  t.equal(b.size, 3)
  // a newer version of a2 that b does not have yet, and an item only b holds
  a.publish('contact', 'a2', { uri: 'sip:a2-new' }, 60_000)
  b.publish('contact', 'b2', { uri: 'sip:b2' }, 60_000)

  const dup0 = a.counters.duplicate + b.counters.duplicate
  const ga = new SoftGossip(a, log, 5, 256)
  const gb = new SoftGossip(b, log, 5, 256)
  t.teardown(() => { ga.close(); gb.close() })
  const [ma, mb] = await pair(t)
  ga.attach(ma, b.owner)
  gb.attach(mb, a.owner)
  await waitFor('both summaries answered', () => ga.summaries.exchanges === 1 && gb.summaries.exchanges === 1)
  t.same(ga.summaries, { exchanges: 1, entries: 4, itemsSent: 1 }, 'a sent only the new version of a2')
  t.same(gb.summaries, { exchanges: 1, entries: 3, itemsSent: 1 }, 'b sent only b2')
  await waitFor('each has the other\'s new item', () => b.get('contact').some((x) => (x.value as { uri: string }).uri === 'sip:a2-new') && a.get('contact').some((x) => x.key === 'b2'))
  t.equal(a.counters.duplicate + b.counters.duplicate - dup0, 0, 'no item arrived twice')

  // afterwards, changes are relayed as before
  a.publish('contact', 'a3', { uri: 'sip:a3' }, 60_000)
  await waitFor('a3 relayed to b', () => b.get('contact').some((x) => x.key === 'a3'))
  t.equal(a.size, 5)
  t.equal(b.size, 5)
})

t.test('a peer that sends items first (no summary) gets every item', async (t) => {
  const a = table()
  a.publish('contact', 'a1', { uri: 'sip:a1' }, 60_000)
  a.publish('contact', 'a2', { uri: 'sip:a2' }, 60_000)
  const old = table()
  old.publish('contact', 'o1', { uri: 'sip:o1' }, 60_000)
  share(a, old) // the old node already holds a's items: it still gets them all (it never sent a summary)

  const ga = new SoftGossip(a, log, 5, 256)
  t.teardown(() => ga.close())
  const [ma, mo] = await pair(t)
  ga.attach(ma, old.owner)
  // the older node's side, as it was: on open, all items at once; 'have' messages ignored
  const received: unknown[] = []
  const ch = mo.createChannel({
    protocol: SOFT_PROTOCOL,
    messages: [{
      encoding: RAW,
      onmessage: (bytes: Uint8Array) => {
        const m = decodeMessage(bytes)
        if (m?.t === 'items') received.push(...(m.i as unknown[]))
      }
    }],
    onopen: () => { ch!.messages[0]!.send(encodeMessage('items', { i: [...old.all()].map((it) => toWire(it, Date.now())) })) }
  })
  ch!.open()
  await waitFor('a got o1 and answered with its items', () => a.get('contact').some((x) => x.key === 'o1') && received.length >= 2)
  t.equal(received.length, 2, 'both of a\'s items, though the old node held them')
  t.equal(ga.summaries.exchanges, 0)
})
