/**
 * A parser of Asterisk `.conf` files into static realtime lines (static.ts),
 * for importing e.g. queues.conf.
 *
 * Supported, as Asterisk's own loader (main/config.c) reads them:
 * - `[name]` categories; `[name](!)` templates (not served: Asterisk hides
 *   templates from modules); `[name](tpl1,tpl2)` and `[name](!,tpl)`: the
 *   variables of the named earlier categories first, then its own;
 *   `[name](+)`: more variables for the last category of that name;
 * - `name = value` and `name => value`; `name += value` appends to the last
 *   value of that name in the category; names and values are trimmed;
 * - comments: `;` to the end of the line unless written `\;` (a literal `;`),
 *   `;-- … --;` blocks (nested, may span lines);
 * - `#include file`, `#include "file"`, `#include <file>`: an include line in
 *   place; `#tryinclude` becomes a plain include (static realtime has no
 *   "try", a warning says so); `#exec` is dropped with a warning.
 * A variable before the first category is an error (FED_ERR_IMPORT_LINE, as
 * Asterisk refuses the file); a line without `=` is skipped with a warning.
 * Repeated category names stay separate categories (different cat_metric).
 * An empty category cannot be expressed in static lines (warning).
 */
import { FedError } from '../errors.js'
import { INCLUDE, type StaticLine } from './static.js'

export interface ConfWarning { line: number, message: string }
export interface ParsedConf { lines: StaticLine[], warnings: ConfWarning[] }

interface Item { name: string, value: string }
interface Category { name: string, template: boolean, items: Item[] }

function importError (file: string, line: number, message: string): FedError {
  return new FedError('FED_ERR_IMPORT_LINE', `${file}:${line}: ${message}`, { file, line })
}

/** Remove comments from one line; `depth` is the open `;--` block count, carried across lines. */
function stripComments (raw: string, state: { depth: number }): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    if (state.depth > 0) {
      if (raw.startsWith('--;', i)) { state.depth--; i += 2 } else if (raw.startsWith(';--', i)) { state.depth++; i += 2 }
      continue
    }
    const c = raw[i]!
    if (c === '\\' && raw[i + 1] === ';') { out += ';'; i++; continue }
    if (c === ';') {
      if (raw.startsWith(';--', i)) { state.depth++; i += 2; continue }
      break
    }
    out += c
  }
  return out
}

function unquote (s: string): string {
  const t = s.trim()
  if ((t.startsWith('"') && t.endsWith('"') && t.length >= 2) || (t.startsWith('<') && t.endsWith('>'))) return t.slice(1, -1).trim()
  return t
}

export function parseConf (text: string, file = 'config'): ParsedConf {
  const warnings: ConfWarning[] = []
  const blocks: Category[] = [] // in file order; an include before any category has a block with name ''
  let current: Category | undefined
  const state = { depth: 0 }
  const lastNamed = (name: string): Category | undefined => {
    for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]!.name === name) return blocks[i]
    return undefined
  }
  const lines = text.split(/\r\n|\n|\r/)
  lines.forEach((raw, index) => {
    const n = index + 1
    const line = stripComments(raw, state).trim()
    if (line.length === 0) return
    if (line.startsWith('#')) {
      const m = /^#\s*(include|tryinclude|exec)\s+(.+)$/i.exec(line)
      if (m === null) { warnings.push({ line: n, message: `unknown directive ${JSON.stringify(line)} skipped` }); return }
      const directive = m[1]!.toLowerCase()
      if (directive === 'exec') { warnings.push({ line: n, message: '#exec is not supported by static realtime; skipped' }); return }
      if (directive === 'tryinclude') warnings.push({ line: n, message: '#tryinclude served as #include: the load fails if the file is missing' })
      if (current === undefined) { current = { name: '', template: false, items: [] }; blocks.push(current) }
      current.items.push({ name: INCLUDE, value: unquote(m[2]!) })
      return
    }
    if (line.startsWith('[')) {
      const m = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?$/.exec(line)
      if (m === null) throw importError(file, n, `invalid category line ${JSON.stringify(line)}`)
      const name = m[1]!.trim()
      const opts = (m[2] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
      if (name.length === 0) throw importError(file, n, 'empty category name')
      if (opts.includes('+')) {
        const target = lastNamed(name)
        if (target === undefined) throw importError(file, n, `[${name}](+) adds to a category that does not exist`)
        current = target
        return
      }
      const cat: Category = { name, template: opts.includes('!'), items: [] }
      for (const tpl of opts.filter((o) => o !== '!')) {
        const base = lastNamed(tpl)
        if (base === undefined) throw importError(file, n, `[${name}] inherits from unknown category ${JSON.stringify(tpl)}`)
        cat.items.push(...base.items.filter((it) => it.name !== INCLUDE).map((it) => ({ ...it })))
      }
      blocks.push(cat)
      current = cat
      return
    }
    const eq = line.indexOf('=')
    if (eq === -1) { warnings.push({ line: n, message: `no "=" in ${JSON.stringify(line)}; skipped` }); return }
    if (current === undefined || current.name === '') throw importError(file, n, 'a variable before the first category')
    let name = line.slice(0, eq).trim()
    let value = line.slice(eq + 1)
    if (value.startsWith('>')) value = value.slice(1)
    value = value.trim()
    if (name.endsWith('+')) {
      name = name.slice(0, -1).trim()
      const prev = [...current.items].reverse().find((it) => it.name === name)
      if (prev !== undefined) { prev.value += value; return }
    }
    if (name.length === 0) throw importError(file, n, 'a variable without a name')
    current.items.push({ name, value })
  })
  if (state.depth > 0) warnings.push({ line: lines.length, message: 'unterminated ;-- comment block' })
  const out: StaticLine[] = []
  let catMetric = 0
  for (const b of blocks) {
    if (b.template) continue
    if (b.items.length === 0) warnings.push({ line: 0, message: `category [${b.name}] has no variables and cannot be served` })
    b.items.forEach((it, varMetric) => out.push({ category: b.name, name: it.name, value: it.value, catMetric, varMetric }))
    if (b.items.length > 0) catMetric++
  }
  return { lines: out, warnings }
}
