import t from 'tap'
import { expiryPlan } from '../src/cache-expiry.js'

t.test('expiryPlan: devices and trunks by id, a user expires the endpoint cache, a big batch everything', async (t) => {
  t.same(expiryPlan([{ type: 'device', id: 'b' }, { type: 'trunk', id: 'a' }, { type: 'device', id: 'b' }, { type: 'row', id: 'x' }], 50), { whole: [], objects: ['a', 'b'] })
  t.same(expiryPlan([{ type: 'user', id: 'u' }, { type: 'device', id: 'd' }], 50), { whole: ['endpoint'], objects: ['d'] })
  t.same(expiryPlan([{ type: 'node', id: 'n' }, { type: 'table', id: 't' }], 50), { whole: [], objects: [] }, 'nothing cached comes from other types')
  const many = Array.from({ length: 51 }, (_, i) => ({ type: 'device', id: `d${i}` }))
  t.same(expiryPlan(many, 50), { whole: ['endpoint', 'auth', 'aor'], objects: [] })
  t.same(expiryPlan(many.slice(0, 50), 50).objects.length, 50, 'at the limit: by id')
})
