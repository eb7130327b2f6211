/**
 * Static realtime: a whole config file as lines of variables
 * (`GET <base>/static?file=<name>`, docs/asterisk-protocol.md §4.7).
 *
 * Asterisk reads the lines in order (it does not sort), starts a new
 * category whenever `category` or `cat_metric` differs from the previous
 * line, and reuses the previous line's value of any key a line omits, so every
 * line carries all five keys. `var_name=#include` loads another file into
 * the same configuration (if that file cannot be loaded the whole load fails).
 * An empty answer is an empty, valid configuration. Static answers are not
 * blank-filtered, so an empty value is sent as `var_val=`.
 */
import { encodeComponent } from './percent.js'

export interface StaticLine {
  category: string
  /** variable name, or `#include` (value: the file) */
  name: string
  value: string
  /** which category block: two blocks with the same name and different metrics are two categories */
  catMetric: number
  /** position of the variable in its block (informational: Asterisk keeps line order) */
  varMetric: number
}

export const INCLUDE = '#include'

export function encodeStaticLine (l: StaticLine): string {
  return 'category=' + encodeComponent(l.category) +
    '&var_name=' + encodeComponent(l.name) +
    '&var_val=' + encodeComponent(l.value) +
    '&cat_metric=' + String(l.catMetric) +
    '&var_metric=' + String(l.varMetric)
}

/** The whole static answer: one line per variable, in order. */
export function encodeStatic (lines: Iterable<StaticLine>): string {
  let out = ''
  for (const l of lines) out += encodeStaticLine(l) + '\n'
  return out
}
