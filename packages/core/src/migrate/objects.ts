/**
 * Parsed `.conf` categories as Asterisk objects: one column per option, the
 * way a realtime row would carry it.
 *
 * A static file may repeat an option (a template's value, then the
 * category's own). For most options the last one wins, as Asterisk applies
 * them in order. A few are lists and add up: they are joined with `,`, which
 * Asterisk's parsers split again (LIST_OPTIONS). `allow`/`disallow` are
 * replayed into the codec list they leave (codecList). Options a realtime row
 * can hold only once (`set_var`, `setvar`) keep their first value and the
 * others are reported.
 */
import type { ConfCategory } from '../realtime/conf.js'

export interface ConfObject {
  name: string
  /** `file:line` of the category */
  where: string
  columns: Record<string, string>
  /** options that were repeated and could not be kept (column → dropped values) */
  dropped: Array<{ column: string, value: string }>
}

/** Options whose repetitions add up (Asterisk splits the value on `,`). */
export const LIST_OPTIONS = new Set(['match', 'contact', 'permit', 'deny', 'acl', 'contact_permit', 'contact_deny', 'contact_acl', 'contactpermit', 'contactdeny', 'contactacl', 'mailboxes'])
/** Options a realtime row can hold only once, though a file may repeat them. */
export const SINGLE_ROW_LISTS = new Set(['set_var', 'setvar'])

export const where = (c: { file: string, line: number }): string => `${c.file}:${c.line}`

/**
 * The codec list `allow`/`disallow` lines leave, replayed in order from an
 * empty list (PJSIP endpoints start empty; chan_sip only when a `disallow=all`
 * comes first). undefined when the lines cannot be replayed exactly.
 */
export function codecList (items: ReadonlyArray<{ name: string, value: string }>, startsEmpty: boolean): string[] | undefined {
  let list: string[] = []
  let cleared = startsEmpty
  for (const it of items) {
    const names = it.value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0)
    for (const n of names) {
      if (it.name === 'disallow') {
        if (n === 'all') { list = []; cleared = true } else list = list.filter((c) => c !== n)
      } else if (it.name === 'allow') {
        if (n === 'all' || n.startsWith('!')) return undefined
        if (!list.includes(n)) list.push(n)
      }
    }
  }
  return cleared ? list : undefined
}

/** One category as an object: options in order, repetitions resolved (see the module comment). */
export function toObject (cat: ConfCategory, opts: { codecsStartEmpty: boolean }): ConfObject {
  const columns: Record<string, string> = {}
  const dropped: ConfObject['dropped'] = []
  const codecItems = cat.items.filter((it) => it.name === 'allow' || it.name === 'disallow')
  for (const it of cat.items) {
    const name = it.name.trim().toLowerCase()
    if (name === 'allow' || name === 'disallow') continue
    const value = it.value
    if (Object.hasOwn(columns, name) && LIST_OPTIONS.has(name)) {
      columns[name] = columns[name]!.length === 0 ? value : value.length === 0 ? columns[name]! : `${columns[name]!},${value}`
    } else if (Object.hasOwn(columns, name) && SINGLE_ROW_LISTS.has(name)) {
      dropped.push({ column: name, value })
    } else {
      if (Object.hasOwn(columns, name)) delete columns[name] // keep file order of the last value
      columns[name] = value
    }
  }
  if (codecItems.length > 0) {
    const list = codecList(codecItems.map((it) => ({ name: it.name.toLowerCase(), value: it.value })), opts.codecsStartEmpty)
    if (list !== undefined) {
      columns.disallow = 'all'
      if (list.length > 0) columns.allow = list.join(',')
    } else {
      for (const n of ['disallow', 'allow']) {
        const vals = codecItems.filter((it) => it.name.toLowerCase() === n).map((it) => it.value)
        if (vals.length > 0) columns[n] = vals.join(',')
      }
    }
  }
  // an empty value is Asterisk's default, as a missing column is in realtime
  for (const [k, v] of Object.entries(columns)) if (v.length === 0) delete columns[k]
  return { name: cat.name, where: where(cat), columns, dropped }
}
