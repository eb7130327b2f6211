/**
 * Where each realtime family's rows come from, and the indexes a lookup in
 * it can use (plan.ts).
 *
 * - `pjsip`: computed from devices and trunks (pjsip.ts);
 * - `sip`: computed from devices and trunks plus chan_sip registrations (chansip.ts);
 * - `voicemail`: computed from users (voicemail.ts);
 * - `contacts`: PJSIP registrations, soft state of this node (contacts.ts);
 * - `generic`: `row` records with configured key columns (rows.ts); every
 *   family not listed here is generic (the plugin answers nothing for a
 *   generic family without a `table` record or default key columns).
 */
import { defaultKeyColumns } from './rows.js'
import { tableSchema } from './schema.js'

export type FamilyKind = 'pjsip' | 'sip' | 'voicemail' | 'contacts' | 'generic'

const KINDS: Readonly<Record<string, FamilyKind>> = {
  ps_endpoints: 'pjsip',
  ps_auths: 'pjsip',
  ps_aors: 'pjsip',
  ps_endpoint_id_ips: 'pjsip',
  ps_registrations: 'pjsip',
  ps_contacts: 'contacts',
  sippeers: 'sip',
  sipusers: 'sip',
  sipregs: 'sip',
  voicemail: 'voicemail'
}

export function familyKind (family: string): FamilyKind {
  return Object.hasOwn(KINDS, family) ? KINDS[family]! : 'generic'
}

/** The lookups Asterisk makes, per family (docs/asterisk-protocol.md §6), as indexes. */
const INDEXES: Readonly<Record<string, ReadonlyArray<readonly string[]>>> = {
  ps_endpoints: [['id']],
  ps_auths: [['id']],
  ps_aors: [['id']],
  ps_endpoint_id_ips: [['id']],
  ps_registrations: [['id']],
  ps_domain_aliases: [['id']],
  ps_contacts: [['id'], ['endpoint'], ['expiration_time']],
  sippeers: [['name'], ['ipaddr', 'port'], ['host', 'port'], ['ipaddr'], ['host']],
  sipusers: [['name'], ['ipaddr', 'port'], ['host', 'port'], ['ipaddr'], ['host']],
  sipregs: [['name'], ['ipaddr', 'port'], ['ipaddr']],
  voicemail: [['context', 'mailbox'], ['mailbox'], ['uniqueid']],
  queue_members: [['uniqueid'], ['queue_name', 'interface'], ['interface']],
  extensions: [['context', 'exten', 'priority']],
  musiconhold_entry: [['name', 'position']]
}

/**
 * The indexes of a family: the listed ones, else the key columns (`keys`,
 * from its table record, or the defaults) followed by the unique indexes of
 * Asterisk's schema.
 */
export function familyIndexes (family: string, keys?: readonly string[]): ReadonlyArray<readonly string[]> {
  if (Object.hasOwn(INDEXES, family)) return INDEXES[family]!
  const out: Array<readonly string[]> = []
  const k = keys ?? defaultKeyColumns(family)
  if (k !== undefined) out.push(k)
  for (const u of tableSchema(family)?.unique ?? []) {
    if (!out.some((x) => x.join('\u0000') === u.join('\u0000'))) out.push(u)
  }
  return out
}
