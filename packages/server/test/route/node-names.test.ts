/**
 * Two nodes with one name: routing keeps only the name's holder (live first,
 * then the older claim of the name), the same on every node, so `fed-<name>`
 * names one node and /route does not flap; the other's registrations are
 * not routed.
 */
import t from 'tap'
import type { Hlc, Version, WriterTag } from '@federator/core'
import { mergeNodes, type LiveNode } from '../../src/route/index.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)
const v = (hlc: number): Version => [hlc as Hlc, 'w0' as WriterTag]

t.test('of two live nodes sharing a name, every node routes to the one that claimed it first', async (t) => {
  const records = [
    { id: A, name: 'c-node', swarmKey: 'sa', revoked: false, nameSince: v(10) },
    { id: B, name: 'pbx', swarmKey: 'sb', revoked: false, nameSince: v(100) }, // first to be called pbx
    { id: C, name: 'pbx', swarmKey: 'sc', revoked: false, nameSince: v(200) } // started later with the same name
  ]
  const live = (self: string): LiveNode[] => [
    { swarmKey: 'sa', state: 'alive', self: self === A, info: { writerKey: A, name: 'c-node' } },
    { swarmKey: 'sb', state: 'alive', self: self === B, info: { writerKey: B, name: 'pbx' } },
    { swarmKey: 'sc', state: 'alive', self: self === C, info: { writerKey: C, name: 'pbx' } }
  ]
  // a third node: only B is pbx; C and its registrations are left out
  const onA = mergeNodes({ id: A, name: 'c-node', owner: 'sa' }, records, live(A))
  t.same(onA.nodes.map((n) => [n.name, n.id]), [['c-node', A], ['pbx', B]])
  t.notOk([...onA.owners.values()].includes(C), 'C\'s registrations are not routed')
  // the holder leaves the namesake out too
  const onB = mergeNodes({ id: B, name: 'pbx', owner: 'sb' }, records, live(B))
  t.same(onB.nodes.map((n) => n.id), [A, B])
  // the refused node itself keeps itself and routes to the holder (it has no fed- trunk to itself)
  const onC = mergeNodes({ id: C, name: 'pbx', owner: 'sc' }, records, live(C))
  t.same(onC.nodes.map((n) => n.id), [A, B, C])
  // the same answer whatever the order of the records and heartbeats
  for (let i = 0; i < 5; i++) {
    const again = mergeNodes({ id: A, name: 'c-node', owner: 'sa' }, [...records].reverse(), [...live(A)].reverse())
    t.same(again.nodes, onA.nodes)
  }
  // the first one dead: the name goes to the live one
  const deadB = live(A).map((l) => l.swarmKey === 'sb' ? { ...l, state: 'dead' as const } : l)
  t.same(mergeNodes({ id: A, name: 'c-node', owner: 'sa' }, records, deadB).nodes.map((n) => [n.name, n.id, n.state]), [['c-node', A, 'alive'], ['pbx', C, 'alive']])
})
