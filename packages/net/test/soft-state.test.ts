import t from 'tap'
import fc from 'fast-check'
import * as hcrypto from 'hypercore-crypto'
import { Packr } from 'msgpackr'
import { SoftState, signItem, type SoftChange, type WireItem } from '../src/index.js'
import { toWire } from '../src/soft-state.js'

const RUNS = Number(process.env.FC_RUNS ?? 1000)
const packr = new Packr({ useRecords: false, mapsAsObjects: true })

function table (now: { t: number }, over: Partial<ConstructorParameters<typeof SoftState>[0]> = {}): SoftState {
  return new SoftState({ keyPair: hcrypto.keyPair(), now: () => now.t, maxItems: 1000, maxItemBytes: 4096, maxTtlMs: 3600_000, ...over })
}

function wire (kp: ReturnType<typeof hcrypto.keyPair>, kind: string, key: string, seq: number, value: unknown, ttlMs = 10_000, age = 0, removed = false): WireItem {
  const { body, signature } = signItem(kp, { kind, key, seq, ttlMs, value, removed })
  return [body, signature, age]
}

t.test('newest version wins, duplicates and stale versions are dropped', async (t) => {
  const now = { t: 1_000_000 }
  const s = table(now)
  const other = hcrypto.keyPair()
  const changes: SoftChange[] = []
  s.on('change', (c: SoftChange) => changes.push(c))
  t.equal(s.offer(wire(other, 'contact', 'alice', 5, { uri: 'sip:a@1' }), null), 'new')
  t.equal(s.offer(wire(other, 'contact', 'alice', 5, { uri: 'sip:a@1' }), null), 'duplicate')
  t.equal(s.offer(wire(other, 'contact', 'alice', 4, { uri: 'old' }), null), 'stale')
  t.equal(s.offer(wire(other, 'contact', 'alice', 6, { uri: 'sip:a@2' }), null), 'new')
  t.same(s.get('contact').map(x => x.value), [{ uri: 'sip:a@2' }])
  t.same(changes.map(c => [c.reason, c.value]), [['update', { uri: 'sip:a@1' }], ['update', { uri: 'sip:a@2' }]])
  t.same(s.counters, { new: 2, duplicate: 1, stale: 1, expired: 0, malformed: 0, 'bad-signature': 0, revoked: 0, full: 0 })
})

t.test('a tampered body or a signature by another key is refused', async (t) => {
  const s = table({ t: 0 })
  const owner = hcrypto.keyPair()
  const [body, sig] = wire(owner, 'node', 'health', 1, { name: 'a' })
  const tampered = Buffer.from(body)
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1)
  t.equal(s.offer([tampered, sig, 0], null), 'bad-signature')
  const forged = signItem(hcrypto.keyPair(), { kind: 'node', key: 'health', seq: 1, ttlMs: 1000, value: 1, removed: false })
  // a body naming `owner` signed by someone else
  const m = packr.unpack(forged.body) as Record<string, unknown>
  m.o = owner.publicKey
  const body2 = packr.pack(m)
  t.equal(s.offer([body2, hcrypto.sign(body2, hcrypto.keyPair().secretKey), 0], null), 'bad-signature')
  t.equal(s.offer([Buffer.from('nonsense'), sig, 0], null), 'malformed')
  t.equal(s.size, 0)
})

t.test('items expire by TTL minus the age they carry; expiry is reported', async (t) => {
  const now = { t: 50_000 }
  const s = table(now)
  const o = hcrypto.keyPair()
  t.equal(s.offer(wire(o, 'contact', 'x', 1, 'v', 1000, 1000), null), 'expired', 'age ≥ ttl: dropped on arrival')
  t.equal(s.offer(wire(o, 'contact', 'x', 1, 'v', 1000, 400), null), 'new')
  const changes: SoftChange[] = []
  s.on('change', (c: SoftChange) => changes.push(c))
  now.t += 599
  t.equal(s.sweep(), 0)
  t.equal(s.get('contact').length, 1)
  now.t += 1
  t.equal(s.get('contact').length, 0, 'not returned once expired')
  t.equal(s.sweep(), 1)
  t.same(changes.map(c => c.reason), ['expire'])
  t.equal(s.size, 0)
})

t.test('local publish and remove: relayed bodies keep unknown fields and verify', async (t) => {
  const now = { t: 10_000 }
  const a = table(now)
  const b = table(now)
  const items: WireItem[] = []
  a.on('item', (it) => items.push(toWire(it, now.t)))
  a.publish('contact', 'bob', { uri: 'sip:bob@h' }, 5000)
  now.t += 100
  t.equal(b.offer(items[0]!, null), 'new')
  t.same(b.get('contact')[0]?.value, { uri: 'sip:bob@h' })
  t.equal(items[0]![2], 0, 'age at publication')
  t.ok(a.remove('contact', 'bob'))
  t.notOk(a.remove('contact', 'bob'), 'already removed')
  t.equal(b.offer(items[1]!, null), 'new')
  t.same(b.get('contact'), [], 'tombstone hides the value')
  t.equal(b.offer(items[0]!, null), 'stale', 'an old copy cannot bring it back')

  // a newer node's body with a field we do not know: accepted, relayed byte-identical
  const kp = hcrypto.keyPair()
  const body = packr.pack({ v: 2, o: kp.publicKey, k: 'node', i: 'health', s: 7, l: 5000, d: { name: 'n' }, future: [1, 2, 3] })
  const c = table(now)
  const relayed: Uint8Array[] = []
  c.on('item', (it) => relayed.push(it.body))
  t.equal(c.offer([body, hcrypto.sign(body, kp.secretKey), 0], null), 'new')
  t.same(Buffer.from(relayed[0]!), body)
})

t.test('revoked owners and a full table are refused', async (t) => {
  const o = hcrypto.keyPair()
  const s = table({ t: 0 }, { isRevoked: (k) => k === o.publicKey.toString('hex'), maxItems: 1 })
  t.equal(s.offer(wire(o, 'contact', 'x', 1, 1), null), 'revoked')
  const p = hcrypto.keyPair()
  t.equal(s.offer(wire(p, 'contact', 'x', 1, 1), null), 'new')
  t.equal(s.offer(wire(p, 'contact', 'y', 1, 1), null), 'full')
  t.equal(s.offer(wire(p, 'contact', 'x', 2, 2), null), 'new', 'a newer version of a held item still fits')
})

t.test('an echo of our own item from an earlier run is superseded', async (t) => {
  const kp = hcrypto.keyPair()
  const now = { t: 1000 }
  const s = new SoftState({ keyPair: kp, now: () => now.t, maxItems: 10, maxItemBytes: 4096, maxTtlMs: 60_000 })
  const out: Array<{ seq: number, removed: boolean }> = []
  s.on('item', (it) => out.push({ seq: it.seq, removed: it.removed }))
  t.equal(s.offer(wire(kp, 'contact', 'old', 5000, 'stale value'), null), 'stale')
  t.same(s.get('contact'), [], 'not adopted')
  t.equal(out.length, 1)
  t.ok(out[0]!.removed && out[0]!.seq > 5000, 'a removal with a higher seq is published')
})

t.test('any delivery order and duplication of versions converges to the highest seq', async (t) => {
  const kp = hcrypto.keyPair()
  const versions = Array.from({ length: 6 }, (_, i) => wire(kp, 'contact', 'k', i + 1, { n: i + 1 }))
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 20 }), (order) => {
    const s = table({ t: 0 })
    for (const i of order) s.offer(versions[i]!, null)
    const top = Math.max(...order) + 1
    return (s.get('contact')[0]?.value as { n: number }).n === top
  }), { numRuns: RUNS })
  t.pass('converged')
})
