/**
 * A parser of Asterisk `.conf` files into static realtime lines (static.ts),
 * for importing e.g. queues.conf.
 *
 * Supported, as Asterisk's own loader (main/config.c) reads them:
 * - `[name]` categories; `[name](!)` templates (not served: Asterisk hides
 *   templates from modules); `[name](tpl1,tpl2)` and `[name](!,tpl)`: the
 *   variables of the named earlier categories first, then its own;
 *   `[name](+)`: more variables for the category of that name (the first one
 *   of that name, as Asterisk 20 finds it: in a pjsip.conf where endpoint,
 *   auth and AOR share a name, `(+)` always adds to the one written first);
 *   a template name used twice is the first one too;
 * - `name = value` and `name => value`; `name += value` appends to the last
 *   value of that name in the category; names and values are trimmed;
 * - comments: `;` to the end of the line unless written `\;` (a literal `;`),
 *   `;-- … --;` blocks (nested, may span lines);
 * - `#include file`, `#include "file"`, `#include <file>`: an include line in
 *   place; `#tryinclude` becomes a plain include (static realtime has no
 *   "try", a warning says so); `#exec` is dropped with a warning. With an
 *   include reader (parseConfCategories, for `federator import-asterisk`)
 *   the included text is read in place instead: its templates serve the
 *   including file, a loop or a missing `#include` is FED_ERR_IMPORT_LINE, a
 *   missing `#tryinclude` a warning.
 * A variable before the first category is an error (FED_ERR_IMPORT_LINE, as
 * Asterisk refuses the file); a line without `=` is skipped with a warning.
 * Repeated category names stay separate categories (different cat_metric).
 * An empty category cannot be expressed in static lines (warning).
 */
import { FedError } from '../errors.js'
import { INCLUDE, type StaticLine } from './static.js'

export interface ConfWarning { line: number, message: string }
export interface ParsedConf { lines: StaticLine[], warnings: ConfWarning[] }

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

/** A category with its variables after template expansion (templates included, flagged), and where it was written. */
export interface ConfCategory {
  name: string
  template: boolean
  /** the templates it names, in order */
  inherits: string[]
  file: string
  line: number
  items: ConfItem[]
}
export interface ConfItem { name: string, value: string, file: string, line: number }
export interface ConfWarningAt extends ConfWarning { file: string }

/**
 * How `#include` is read: the included file's name as written and the file that
 * includes it → its text and its name (for messages and nested includes), or
 * undefined when it cannot be read (an error for `#include`, a warning for
 * `#tryinclude`, as in Asterisk).
 */
export type ConfIncluder = (name: string, from: string) => { text: string, file: string } | undefined

export interface ParseConfOptions {
  /** Read included files in place (templates of an included file serve the including one); without it an include stays a `#include` line. */
  include?: ConfIncluder
  /** Deepest include nesting before FED_ERR_IMPORT_LINE (Asterisk: 1000; a loop fails at once). */
  maxIncludeDepth?: number
}

export const MAX_INCLUDE_DEPTH = 32

/**
 * The categories of a `.conf` text (templates expanded into the categories that
 * name them, `(+)` merged), in file order, with every variable's file and line.
 * With `opts.include`, included files are read in place.
 */
export function parseConfCategories (text: string, file = 'config', opts: ParseConfOptions = {}): { categories: ConfCategory[], warnings: ConfWarningAt[] } {
  const warnings: ConfWarningAt[] = []
  const blocks: ConfCategory[] = [] // in file order; an include before any category has a block with name ''
  let current: ConfCategory | undefined
  const maxDepth = opts.maxIncludeDepth ?? MAX_INCLUDE_DEPTH
  // Asterisk (config.c, ast_category_get) finds the FIRST category of a name, for `(+)` and for templates
  const firstNamed = (name: string): ConfCategory | undefined => blocks.find((b) => b.name === name)
  const parseText = (text: string, file: string, stack: string[]): void => {
    const state = { depth: 0 }
    const lines = text.split(/\r\n|\n|\r/)
    lines.forEach((raw, index) => {
      const n = index + 1
      const line = stripComments(raw, state).trim()
      if (line.length === 0) return
      if (line.startsWith('#')) {
        const m = /^#\s*(include|tryinclude|exec)\s+(.+)$/i.exec(line)
        if (m === null) { warnings.push({ file, line: n, message: `unknown directive ${JSON.stringify(line)} skipped` }); return }
        const directive = m[1]!.toLowerCase()
        if (directive === 'exec') { warnings.push({ file, line: n, message: '#exec is not supported by static realtime; skipped' }); return }
        const target = unquote(m[2]!)
        if (opts.include !== undefined) {
          const got = opts.include(target, file)
          if (got === undefined) {
            if (directive === 'tryinclude') { warnings.push({ file, line: n, message: `#tryinclude ${target}: not found; skipped` }); return }
            throw importError(file, n, `#include ${target}: cannot read it`)
          }
          if (stack.includes(got.file)) throw importError(file, n, `#include ${target}: includes itself (${[...stack, got.file].join(' → ')})`)
          if (stack.length >= maxDepth) throw importError(file, n, `#include ${target}: more than ${maxDepth} levels of includes`)
          const outer = current
          parseText(got.text, got.file, [...stack, got.file])
          current = outer // Asterisk: the including file goes on in its own category
          return
        }
        if (directive === 'tryinclude') warnings.push({ file, line: n, message: '#tryinclude served as #include: the load fails if the file is missing' })
        if (current === undefined) { current = { name: '', template: false, inherits: [], file, line: n, items: [] }; blocks.push(current) }
        current.items.push({ name: INCLUDE, value: target, file, line: n })
        return
      }
      if (line.startsWith('[')) {
        const m = /^\[([^\]]+)\]\s*(?:\(([^)]*)\))?$/.exec(line)
        if (m === null) throw importError(file, n, `invalid category line ${JSON.stringify(line)}`)
        const name = m[1]!.trim()
        const copts = (m[2] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
        if (name.length === 0) throw importError(file, n, 'empty category name')
        if (copts.includes('+')) {
          const target = firstNamed(name)
          if (target === undefined) throw importError(file, n, `[${name}](+) adds to a category that does not exist`)
          current = target
          return
        }
        const inherits = copts.filter((o) => o !== '!')
        const cat: ConfCategory = { name, template: copts.includes('!'), inherits, file, line: n, items: [] }
        for (const tpl of inherits) {
          const base = firstNamed(tpl)
          if (base === undefined) throw importError(file, n, `[${name}] inherits from unknown category ${JSON.stringify(tpl)}`)
          cat.items.push(...base.items.filter((it) => it.name !== INCLUDE).map((it) => ({ ...it })))
        }
        blocks.push(cat)
        current = cat
        return
      }
      const eq = line.indexOf('=')
      if (eq === -1) { warnings.push({ file, line: n, message: `no "=" in ${JSON.stringify(line)}; skipped` }); return }
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
      current.items.push({ name, value, file, line: n })
    })
    if (state.depth > 0) warnings.push({ file, line: lines.length, message: 'unterminated ;-- comment block' })
  }
  parseText(text, file, [file])
  return { categories: blocks.filter((b) => b.name !== '' || b.items.length > 0), warnings }
}

export function parseConf (text: string, file = 'config'): ParsedConf {
  const { categories, warnings } = parseConfCategories(text, file)
  const out: StaticLine[] = []
  const outWarnings: ConfWarning[] = warnings.map((w) => ({ line: w.line, message: w.message }))
  let catMetric = 0
  for (const b of categories) {
    if (b.template) continue
    if (b.items.length === 0) outWarnings.push({ line: 0, message: `category [${b.name}] has no variables and cannot be served` })
    b.items.forEach((it, varMetric) => out.push({ category: b.name, name: it.name, value: it.value, catMetric, varMetric }))
    if (b.items.length > 0) catMetric++
  }
  return { lines: out, warnings: outWarnings }
}
