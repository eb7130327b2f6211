import t from 'tap'
import { nodeRecordOf } from '../src/index.js'

t.test('a node record is read one way: string fields, the schema-checked revocation', async (t) => {
  const revoked = { length: 3, at: '2026-01-01T00:00:00.000Z' }
  t.same(nodeRecordOf({ name: 'a', swarmKey: 'f'.repeat(64), sipAddress: '10.0.0.1:5060', version: '1.0.0', revoked, other: 1 }),
    { name: 'a', swarmKey: 'f'.repeat(64), sipAddress: '10.0.0.1:5060', version: '1.0.0', revoked })
  t.same(nodeRecordOf({ name: 7, sipAddress: null, revoked: { length: 'x' } }), {}, 'fields of another type and a malformed revocation are absent')
  t.same(nodeRecordOf({ sipAddress: '' }), { sipAddress: '' }, 'an empty string is kept (routing drops it itself)')
  t.same(nodeRecordOf(undefined), {})
})
