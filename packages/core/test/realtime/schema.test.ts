import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { columnsOf, isNumericColumn, tableSchema } from '../../src/index.js'

t.test('type classes of the columns that matter', async (t) => {
  t.equal(isNumericColumn('ps_contacts', 'expiration_time'), true, 'bigint')
  t.equal(isNumericColumn('ps_contacts', 'qualify_timeout'), true, 'double precision')
  t.equal(isNumericColumn('ps_contacts', 'id'), false)
  t.equal(isNumericColumn('sippeers', 'port'), true)
  t.equal(isNumericColumn('sippeers', 'call-limit'), true)
  t.equal(isNumericColumn('sipregs', 'regseconds'), true, 'aliases share the sippeers types')
  t.equal(isNumericColumn('musiconhold_entry', 'position'), true)
  t.equal(isNumericColumn('voicemail', 'volgain'), true, 'numeric')
  t.equal(isNumericColumn('extensions', 'priority'), true)
  t.equal(isNumericColumn('meetme', 'starttime'), false, 'timestamps compare as text')
  t.equal(isNumericColumn('ps_endpoints', 'direct_media'), false, 'enums are text')
  t.equal(isNumericColumn('nosuch', 'x'), false)
  t.equal(isNumericColumn('ps_endpoints', 'toString'), false)
  t.equal(tableSchema('constructor'), undefined)
  t.equal(columnsOf('ps_endpoints').length, 147)
  t.same(columnsOf('sipregs'), ['name', 'ipaddr', 'port', 'regseconds', 'defaultuser', 'fullcontact', 'regserver', 'useragent', 'lastms', 'path'])
  t.same(tableSchema('queue_members')!.unique, [['queue_name', 'interface'], ['uniqueid']])
  t.same(columnsOf('sipusers'), columnsOf('sippeers'))
})

const source = resolve(import.meta.dirname, '../../../../../shared/asterisk/schema_config.json')
t.test('the committed module is what the generator makes of schema_config.json', { skip: existsSync(source) ? false : 'schema_config.json not present' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fed-schema-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'schema.generated.ts')
  const root = resolve(import.meta.dirname, '../../../..')
  execFileSync(process.execPath, ['--import=tsx', join(root, 'scripts/gen-realtime-schema.ts'), source, out], { cwd: root })
  t.equal(readFileSync(out, 'utf8'), readFileSync(join(root, 'packages/core/src/realtime/schema.generated.ts'), 'utf8'))
})
