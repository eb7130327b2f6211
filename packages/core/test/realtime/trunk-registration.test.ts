/**
 * Trunk rows where a real Asterisk (20.20) showed our first model wrong: a registration that names
 * an endpoint without line support is refused by Asterisk (never registers), and a trunk that is no
 * longer used here keeps its auth so that Asterisk can un-REGISTER (docs/asterisk.md "Provider trunks").
 */
import t from 'tap'
import { trunkPjsipRows, trunkRetiredAuthRow, validateRecord, type RecordLike, type TrunkRecord } from '../../src/index.js'

const trunk = (id: string, fields: TrunkRecord): RecordLike => {
  validateRecord('trunk', fields)
  return { id, fields: fields as Record<string, unknown> }
}
const BASE: TrunkRecord = { host: '192.0.2.50', register: true, username: 'acct7', secret: 'pw-7' }

t.test('endpoint only with line support', async (t) => {
  const reg = (pjsip?: Record<string, string>) => trunkPjsipRows(trunk('p', { ...BASE, ...(pjsip !== undefined ? { pjsip } : {}) }))!.ps_registrations!
  t.same([reg().line, reg().endpoint], ['yes', 'p'], 'by default: line=yes, endpoint=trunk id (inbound calls matched to the trunk)')
  t.same([reg({ registration__line: 'no' }).line, reg({ registration__line: 'no' }).endpoint], ['no', undefined], 'line turned off: no endpoint either')
  t.same([reg({ registration__line: '' }).line, reg({ registration__line: '' }).endpoint], [undefined, undefined], 'line removed (Asterisk default no): no endpoint')
  t.equal(reg({ registration__line: 'on' }).endpoint, 'p', 'any ast_true() spelling keeps it')
  t.equal(reg({ registration__endpoint: 'other' }).endpoint, 'other', 'an overridden endpoint stays with line=yes')
})

t.test('a trunk not used here keeps only its auth', async (t) => {
  const used = trunk('p', BASE)
  t.equal(trunkRetiredAuthRow(used), undefined, 'used: its auth is part of its rows')
  const off = trunk('p', { ...BASE, enabled: false })
  t.equal(trunkPjsipRows(off), undefined, 'disabled: no rows')
  t.same(trunkRetiredAuthRow(off), { id: 'p', auth_type: 'userpass', username: 'acct7', password: 'pw-7' }, 'but its auth')
  const far = trunk('p', { ...BASE, nodes: ['b'] })
  t.same(trunkRetiredAuthRow(far, { node: 'a' })?.username, 'acct7', 'a trunk of other nodes: its auth')
  t.equal(trunkRetiredAuthRow(far, { node: 'b' }), undefined, 'on its own node: served with the rest')
  t.equal(trunkRetiredAuthRow(trunk('n', { host: 'h', enabled: false })), undefined, 'no secret, no auth')
})
