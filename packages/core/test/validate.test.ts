import t from 'tap'
import { FedError, assertId, assertType, validatePatch, validateRecord } from '../src/index.js'

const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as FedError).code }
  return undefined
}

t.test('records are validated against their schemas', async (t) => {
  t.same(validateRecord('user', { name: 'Alice', extensions: ['1001'] }), { name: 'Alice', extensions: ['1001'] })
  t.equal(code(() => validateRecord('user', { name: 'Alice' })), 'FED_ERR_VALIDATION', 'missing required field')
  t.equal(code(() => validateRecord('user', { name: 1, extensions: [] })), 'FED_ERR_VALIDATION', 'wrong type')
  t.equal(code(() => validateRecord('user', { name: 'A', extensions: [], colour: 'red' })), 'FED_ERR_UNKNOWN_FIELD')
  t.equal(code(() => validateRecord('user', [])), 'FED_ERR_VALIDATION')
  t.equal(code(() => validateRecord('device', { pjsip: { direct_media: 'no' }, codecs: ['ulaw'] })), undefined)
  t.equal(code(() => validateRecord('device', { pjsip: { 'Bad Key': 'x' } })), 'FED_ERR_VALIDATION')
  t.equal(code(() => validateRecord('route', { pattern: '_9NXX.', target: { kind: 'lcr' } })), undefined)
  t.equal(code(() => validateRecord('route', { pattern: '_9NXX.', target: { kind: 'pizza' } })), 'FED_ERR_VALIDATION')
})

t.test('validation problems are listed with their paths', async (t) => {
  try {
    validateRecord('user', { name: 5, extensions: ['ok', 'not ok'] })
    t.fail('should throw')
  } catch (err) {
    const details = (err as FedError).details as Array<{ path: string }>
    t.ok(details.some((d) => d.path === '/name'))
    t.ok(details.some((d) => d.path === '/extensions/1'))
  }
})

t.test('patches: null and unset remove optional fields only', async (t) => {
  t.same(validatePatch('user', { email: null, name: 'B' }), { set: { name: 'B' }, unset: ['email'] })
  t.equal(code(() => validatePatch('user', { name: null })), 'FED_ERR_VALIDATION')
  t.equal(code(() => validatePatch('user', {}, ['extensions'])), 'FED_ERR_VALIDATION')
  t.equal(code(() => validatePatch('user', { nope: 1 })), 'FED_ERR_UNKNOWN_FIELD')
  t.equal(code(() => validatePatch('user', { extensions: 'x' })), 'FED_ERR_VALIDATION')
})

t.test('types and ids', async (t) => {
  t.equal(code(() => assertType('pizza')), 'FED_ERR_UNKNOWN_TYPE')
  t.equal(code(() => assertId('user', 'alice')), undefined)
  t.equal(code(() => assertId('user', '../etc')), 'FED_ERR_INVALID_ID')
  t.equal(code(() => assertId('user', '')), 'FED_ERR_INVALID_ID')
  t.equal(code(() => assertId('row', 'queues/support')), undefined)
  t.equal(code(() => assertId('row', 'support')), 'FED_ERR_INVALID_ID')
})
