/**
 * queues.conf → generic realtime rows (app_queue's realtime tables): each
 * queue a `queues` row (`name` + its options, `-` in a name written `_`, as
 * app_queue reads realtime columns back), each `member =>` a `queue_members`
 * row (`interface,penalty,membername,state_interface,ringinuse,wrapuptime,paused`)
 * with a `uniqueid` derived from queue and interface, so a second import of
 * the same file writes the same rows. [general] stays in the node's
 * queues.conf. (The whole file can also be served unchanged as a static file:
 * `federator conf import queues.conf`.)
 */
import type { ConfCategory } from '../realtime/conf.js'
import { rowId } from '../realtime/rows.js'
import { voicemailUniqueId } from '../realtime/voicemail.js'
import type { MigrationState } from './state.js'

const COLUMN_RE = /^[a-z][a-z0-9_]{0,63}$/
const MEMBER_COLUMNS = ['interface', 'penalty', 'membername', 'state_interface', 'ringinuse', 'wrapuptime', 'paused'] as const

export function migrateQueues (categories: readonly ConfCategory[], state: MigrationState): void {
  for (const cat of categories) {
    if (cat.template) continue
    const where = `${cat.file}:${cat.line}`
    if (cat.name === 'general') { state.unmapped(`${where} [general]`, 'node-local: keep it in this node\'s queues.conf'); continue }
    const columns: Record<string, string> = { name: cat.name }
    const members: Array<{ value: string, where: string }> = []
    for (const it of cat.items) {
      const key = it.name.toLowerCase().replace(/-/g, '_')
      if (key === 'member') { members.push({ value: it.value, where: `${it.file}:${it.line}` }); continue }
      if (!COLUMN_RE.test(key) || key === 'name') { state.unmapped(`${it.file}:${it.line} ${it.name}`, 'not a column name a row can hold'); continue }
      if (Object.hasOwn(columns, key)) delete columns[key]
      if (it.value.length > 0) columns[key] = it.value
    }
    const id = rowId('queues', [cat.name])
    state.add({ type: 'row', id, family: 'queues', columns }, { from: [`${where} queue ${cat.name}`], to: `row ${id}`, overrides: [], notes: [] })
    for (const m of members) {
      const parts = m.value.split(',').map((s) => s.trim())
      const cols: Record<string, string> = { queue_name: cat.name }
      MEMBER_COLUMNS.forEach((c, i) => { const v = parts[i]; if (v !== undefined && v.length > 0) cols[c] = v })
      if (cols.interface === undefined) { state.unmapped(`${m.where} member => ${m.value}`, 'no interface'); continue }
      if (parts.length > MEMBER_COLUMNS.length) state.unmapped(`${m.where} member => ${m.value}`, `fields after the ${MEMBER_COLUMNS.length}th are not read`)
      cols.uniqueid = voicemailUniqueId(`${cat.name}\u0000${cols.interface}`)
      const mid = rowId('queue_members', [cols.uniqueid])
      state.add({ type: 'row', id: mid, family: 'queue_members', columns: cols }, { from: [`${m.where} member ${cols.interface}`], to: `row ${mid}`, overrides: [], notes: [`in queue ${cat.name}`] })
    }
  }
}
