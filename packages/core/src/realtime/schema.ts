/**
 * Column schemas of the realtime families: which columns exist and which
 * compare as numbers. The tables come from Asterisk's own migrations
 * (schema.generated.ts); the families Asterisk maps onto the same tables
 * (sipusers, sipregs, iaxusers, iaxpeers) are aliases here.
 */
import { GENERATED_TABLES } from './schema.generated.js'

/** n = numeric (integer, bigint, double, numeric), s = everything else. */
export type ColumnClass = 'n' | 's'

export interface TableSchema {
  /** column → type class, in Asterisk's schema order */
  readonly columns: Readonly<Record<string, ColumnClass>>
  readonly notNull: readonly string[]
  /** primary key first, then the other unique indexes */
  readonly unique: ReadonlyArray<readonly string[]>
}

/** The registration columns chan_sip writes (sippeers, or sipregs when mapped). */
export const SIP_REGISTRATION_COLUMNS = ['ipaddr', 'port', 'regseconds', 'defaultuser', 'fullcontact', 'regserver', 'useragent', 'lastms', 'path'] as const

function subset (table: TableSchema, cols: readonly string[], unique: string[][]): TableSchema {
  const columns: Record<string, ColumnClass> = {}
  for (const c of cols) columns[c] = table.columns[c] ?? 's'
  return { columns, notNull: table.notNull.filter((c) => cols.includes(c)), unique }
}

const sippeers = GENERATED_TABLES.sippeers!
const iaxfriends = GENERATED_TABLES.iaxfriends!

/** Every known family: the generated tables plus the aliases. */
export const REALTIME_TABLES: Readonly<Record<string, TableSchema>> = {
  ...GENERATED_TABLES,
  sipusers: sippeers,
  sipregs: subset(sippeers, ['name', ...SIP_REGISTRATION_COLUMNS], [['name']]),
  iaxusers: iaxfriends,
  iaxpeers: iaxfriends
}

export function tableSchema (family: string): TableSchema | undefined {
  return Object.hasOwn(REALTIME_TABLES, family) ? REALTIME_TABLES[family] : undefined
}

/** True when `column` of `family` is numeric in Asterisk's schema (unknown: false). */
export function isNumericColumn (family: string, column: string): boolean {
  const t = tableSchema(family)
  return t !== undefined && Object.hasOwn(t.columns, column) && t.columns[column] === 'n'
}

/** The column names of a family (empty for an unknown family). */
export function columnsOf (family: string): string[] {
  const t = tableSchema(family)
  return t === undefined ? [] : Object.keys(t.columns)
}
