/**
 * Static realtime: whole config files (`queues.conf`, …) stored as `config`
 * records (config-lines.ts) and served as `GET /realtime/static?file=<name>`
 * in the static line format (core static.ts). Files are imported from `.conf`
 * text (core parseConf) through the admin API (admin/configs-plugin.ts).
 *
 * A file that is not stored answers an empty body, which Asterisk loads as an
 * empty configuration (a module reload then drops everything the file held):
 * counted and warned as `unknown_config`.
 */
import { encodeStatic, type Fields } from '@federator/core'
import { configLines } from './config-lines.js'

/** The static answer of a stored file, or undefined when there is none. */
export function staticAnswer (fields: Fields | undefined): string | undefined {
  const lines = configLines(fields)
  return lines === undefined ? undefined : encodeStatic(lines)
}
