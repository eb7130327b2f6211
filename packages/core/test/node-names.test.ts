import t from 'tap'
import { nameClashes, nameHolders, type Hlc, type Version, type WriterTag } from '../src/index.js'

const v = (hlc: number, tag = 'w0'): Version => [hlc as Hlc, tag as WriterTag]

t.test('the holder of a name: live first, then the older claim, then the smaller writer key', async (t) => {
  const a = { id: 'a'.repeat(64), name: 'pbx', live: true, since: v(200) }
  const b = { id: 'b'.repeat(64), name: 'pbx', live: true, since: v(100) }
  const c = { id: 'c'.repeat(64), name: 'pbx', live: false, since: v(50) }
  t.equal(nameHolders([a, b, c]).get('pbx'), b.id, 'the older claim among the live ones')
  t.equal(nameHolders([c, b, a]).get('pbx'), b.id, 'whatever the order')
  t.equal(nameHolders([a, { ...b, live: false }, c]).get('pbx'), a.id, 'a dead holder does not keep the name from a live node')
  t.equal(nameHolders([{ ...a, live: false }, { ...b, live: false }, c]).get('pbx'), c.id, 'none live: the oldest claim')
  t.equal(nameHolders([{ ...a, since: undefined }, { ...b, since: v(900) }]).get('pbx'), b.id, 'a node without a record comes last')
  t.equal(nameHolders([{ ...a, since: v(5, 'x') }, { ...b, since: v(5, 'w') }]).get('pbx'), b.id, 'equal HLC: writer tag')
  t.equal(nameHolders([{ ...b, since: undefined }, { ...a, since: undefined }]).get('pbx'), a.id, 'no versions: writer key')
  t.same(nameClashes([a, b, c, { id: 'd'.repeat(64), name: 'other', live: true }]), [{ name: 'pbx', holder: b.id, refused: [a.id] }], 'only live second claims are clashes')
  t.same(nameClashes([a, c]), [], 'a dead namesake is no clash')
})
