/**
 * MemorySnapshot's incremental updates keep compact lists (one user per extension without a list, exact-size
 * device and contact lists, rebuilt on each change). These properties check that a snapshot changed in
 * arbitrary ways answers exactly like one built at once from the records it ends with.
 */
import t from 'tap'
import fc from 'fast-check'
import { MemorySnapshot, type RoutingContact } from '../../src/index.js'
import { RUNS } from './arbitraries.js'
import { A, B, contact } from './fixtures.js'

const USERS = ['ann', 'bob', 'cy', 'dee', 'eve']
const DEVICES = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']
const EXTENS = ['100', '101', '102', '2000', '7']
const NODES = [A, B]

type Fields = Record<string, unknown>
type Op =
  | { t: 'user', id: string, fields?: Fields }
  | { t: 'device', id: string, fields?: Fields }
  | { t: 'contact', device: string, node: string, n: number, put: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(fc.constantFrom(...USERS), fc.option(fc.array(fc.constantFrom(...EXTENS), { maxLength: 3 }), { nil: undefined }))
    .map(([id, ext]): Op => ext === undefined ? { t: 'user', id } : { t: 'user', id, fields: { name: id.toUpperCase(), extensions: ext } }),
  fc.tuple(fc.constantFrom(...DEVICES), fc.option(fc.constantFrom(...USERS), { nil: undefined }), fc.boolean(), fc.boolean())
    .map(([id, user, enabled, gone]): Op => gone ? { t: 'device', id } : { t: 'device', id, fields: { enabled, ...(user !== undefined ? { user } : {}) } }),
  fc.tuple(fc.constantFrom(...DEVICES), fc.constantFrom(...NODES), fc.nat(2), fc.boolean())
    .map(([device, node, n, put]): Op => ({ t: 'contact', device, node, n, put }))
)

function contactOf (op: Extract<Op, { t: 'contact' }>): RoutingContact {
  return contact(op.device, op.node, { id: `${op.device};@${op.n}` })
}

t.test('a snapshot changed record by record answers like one built from the final records', async (t) => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
    const live = new MemorySnapshot({ self: A })
    const users = new Map<string, Fields>()
    const devices = new Map<string, Fields>()
    const contacts = new Map<string, RoutingContact>()
    for (const op of ops) {
      if (op.t === 'contact') {
        const c = contactOf(op)
        if (op.put) { live.putContact(c); contacts.set(c.node + '\n' + c.id, c) } else { live.removeContact(c.node, c.id); contacts.delete(c.node + '\n' + c.id) }
        continue
      }
      const records = op.t === 'user' ? users : devices
      live.applyChange({ type: op.t, id: op.id, ...(op.fields !== undefined ? { after: op.fields } : {}) })
      if (op.fields === undefined) records.delete(op.id)
      else records.set(op.id, op.fields)
    }
    const built = new MemorySnapshot({
      self: A,
      users: [...users].map(([id, f]) => ({ id, ...f })),
      devices: [...devices].map(([id, f]) => ({ id, ...f })),
      contacts: [...contacts.values()]
    })
    t.strictSame(live.sizes(), built.sizes())
    for (const e of [...EXTENS, '9']) t.strictSame(live.userByExtension(e), built.userByExtension(e), `extension ${e}`)
    for (const u of USERS) {
      t.strictSame(live.user(u), built.user(u))
      t.strictSame(live.devicesOfUser(u).map((d) => d.id), built.devicesOfUser(u).map((d) => d.id), `devices of ${u}, in id order`)
    }
    for (const d of DEVICES) {
      t.strictSame(live.device(d), built.device(d))
      const ids = (s: MemorySnapshot): string[] => s.contactsOf(d).map((c) => c.node + '\n' + c.id).sort()
      t.strictSame(ids(live), ids(built), `contacts of ${d}`)
    }
  }), { numRuns: Math.min(RUNS, 300) })
})

t.test('an extension two users have goes to the first by id, and to the other when that one leaves', async (t) => {
  const s = new MemorySnapshot({ self: A })
  s.put('user', 'zed', { extensions: ['100'] })
  t.equal(s.userByExtension('100')?.id, 'zed')
  s.put('user', 'amy', { extensions: ['100', '101'] })
  t.equal(s.userByExtension('100')?.id, 'amy', 'amy < zed')
  s.put('user', 'kim', { extensions: ['100'] })
  t.equal(s.userByExtension('100')?.id, 'amy')
  s.remove('user', 'amy')
  t.equal(s.userByExtension('100')?.id, 'kim')
  t.equal(s.userByExtension('101'), undefined)
  s.remove('user', 'kim')
  t.equal(s.userByExtension('100')?.id, 'zed')
  s.put('user', 'zed', { extensions: ['200'] })
  t.equal(s.userByExtension('100'), undefined, 'an extension nobody has any more is gone')
  t.equal(s.sizes().extensions, 1)
})
