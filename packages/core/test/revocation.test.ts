import t from 'tap'
import { revocationOf, revokedLength } from '../src/index.js'

t.test('a node record\'s revocation is read one way, schema-checked', async (t) => {
  const ok = { length: 12, at: '2026-01-01T00:00:00.000Z', reason: 'stolen' }
  t.same(revocationOf({ name: 'a', revoked: ok }), ok)
  t.equal(revokedLength({ name: 'a', revoked: { length: 0, at: 'x' } }), 0, 'length 0 cuts the whole log')
  t.equal(revocationOf({ name: 'a' }), undefined, 'no field: not revoked')
  t.equal(revocationOf(undefined), undefined, 'no record: not revoked')
  // values a peer's log entry could carry (entries from peers are not validated on apply): all mean "not revoked"
  for (const bad of [null, true, 'yes', 7, [], {}, { length: -1, at: 'x' }, { length: 1.5, at: 'x' }, { length: '3', at: 'x' },
    { length: 3 }, { length: 3, at: 'x', extra: 1 }, { length: 3, at: 5 }]) {
    t.equal(revocationOf({ name: 'a', revoked: bad }), undefined, `malformed ${JSON.stringify(bad)}`)
  }
})
