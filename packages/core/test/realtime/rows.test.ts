import t from 'tap'
import fc from 'fast-check'
import {
  DEFAULT_KEY_COLUMNS, applyRowUpdate, assertId, defaultKeyColumns, familyKind, parseCriteria, parseRowId, parseStore, parseUpdate,
  rowFromStore, rowId, rowIdFromCriteria, tableSchema
} from '../../src/index.js'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 1000) }
const code = (fn: () => unknown): string | undefined => {
  try { fn() } catch (err) { return (err as { code: string }).code }
  return undefined
}

t.test('row ids: <family>/<escaped key values>, reversible', async (t) => {
  t.equal(rowId('queue_members', ['77']), 'queue_members/77')
  t.equal(rowId('extensions', ['from-internal', '_9X.', '1']), 'extensions/from-internal/_9X./1')
  t.equal(rowId('extensions', ['c', 'a/b%2F', '1']), 'extensions/c/a%2Fb%252F/1')
  t.same(parseRowId('extensions/c/a%2Fb%252F/1'), { family: 'extensions', values: ['c', 'a/b%2F', '1'] })
  t.equal(code(() => rowId('queues', [''])), 'FED_ERR_INVALID_ID')
  t.equal(code(() => rowId('queues', [])), 'FED_ERR_INVALID_ID')
  t.equal(code(() => rowId('queues', ['x'.repeat(1100)])), 'FED_ERR_INVALID_ID')
  t.equal(code(() => parseRowId('nofamily')), 'FED_ERR_INVALID_ID')
  fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 30, unit: fc.constantFrom('a', '/', '%', '2', 'F', '5', '\u0000', 'é') }), { minLength: 1, maxLength: 4 }), (values) => {
    const id = rowId('fam', values)
    assertId('row', id)
    return JSON.stringify(parseRowId(id)) === JSON.stringify({ family: 'fam', values })
  }), runs)
})

t.test('store and update of generic rows', async (t) => {
  const keys = defaultKeyColumns('queue_members')!
  const r = rowFromStore('queue_members', keys, parseStore('uniqueid=77&queue_name=support&interface=Local%2F100%40apps&membername=Alice&penalty=0&paused=0').values)
  t.same(r, { id: 'queue_members/77', fields: { family: 'queue_members', columns: { uniqueid: '77', queue_name: 'support', interface: 'Local/100@apps', membername: 'Alice', penalty: '0', paused: '0' } } })
  const u = parseUpdate('uniqueid=77', 'reason_paused=lunch&paused=1')
  t.equal(rowIdFromCriteria('queue_members', keys, u.where), 'queue_members/77')
  const after = applyRowUpdate('queue_members', keys, r.fields.columns, u.set)
  t.equal(after.id, 'queue_members/77')
  t.equal(after.fields.columns.paused, '1')
  t.equal(after.fields.columns.reason_paused, 'lunch')
  t.equal(r.fields.columns.paused, '0', 'the old columns are not changed')
  t.equal(applyRowUpdate('queue_members', keys, r.fields.columns, [{ column: 'uniqueid', value: '78', truncated: false }]).id, 'queue_members/78', 'a key change moves the row')
  t.equal(code(() => rowFromStore('queue_members', keys, parseStore('queue_name=support').values)), 'FED_ERR_VALIDATION', 'no key column')
  t.equal(code(() => rowFromStore('custom', ['k'], parseStore('k=1&Bad-Column=x').values)), 'FED_ERR_VALIDATION', 'column names as the row schema wants')
  t.equal(code(() => rowFromStore('custom', ['k'], parseStore('k=1&v=' + 'x'.repeat(250)).values)), undefined)
  const ext = rowFromStore('extensions', defaultKeyColumns('extensions')!, parseStore('exten=100&priority=1&context=rt-switch&app=Verbose&appdata=1%2Chi').values)
  t.equal(ext.id, 'extensions/rt-switch/100/1', 'key order from the key columns, not from the request')
  t.equal(rowIdFromCriteria('extensions', defaultKeyColumns('extensions')!, parseCriteria('exten=100&priority=1&context=rt-switch')), 'extensions/rt-switch/100/1')
  t.equal(rowIdFromCriteria('extensions', defaultKeyColumns('extensions')!, parseCriteria('exten%20LIKE=%5C_%25&priority=1&context=rt-switch')), undefined)
  t.equal(rowIdFromCriteria('queues', ['name'], parseCriteria('name=' + 'x'.repeat(255))), undefined, 'a cut value addresses no row')
  t.equal(rowIdFromCriteria('queues', ['name'], parseCriteria('name=' + 'x'.repeat(1100))), undefined, 'nor does a value too long for an id')
})

t.test('family kinds and default keys', async (t) => {
  t.same(['ps_endpoints', 'ps_contacts', 'sippeers', 'sipregs', 'voicemail', 'queues', 'mything'].map(familyKind),
    ['pjsip', 'contacts', 'sip', 'sip', 'voicemail', 'generic', 'generic'])
  for (const [family, keys] of Object.entries(DEFAULT_KEY_COLUMNS)) {
    const schema = tableSchema(family)
    if (schema === undefined) continue
    t.same(keys.filter((k) => !Object.hasOwn(schema.columns, k)), [], `${family}: key columns exist`)
  }
  t.equal(defaultKeyColumns('mything'), undefined)
})
