/**
 * The `voicemail` family (app_voicemail) as a view of users: a user with a
 * `voicemail` object (and `enabled` not false) has one mailbox,
 * `<mailbox>@<context>`, the mailbox defaulting to the user's first extension
 * and the context to ProjectionOptions.voicemailContext.
 *
 * uniqueid: app_voicemail wants a unique integer per mailbox (`require
 * uniqueid=uinteger3:11`). It is derived from the user id (FNV-1a, 31 bits,
 * never 0), so it is the same on every node and stays when the mailbox
 * number changes.
 *
 * The password change arrives as update2 (`update?&context=…mailbox=…`,
 * body `&password=…`); voicemailPatch turns such new values into a change of
 * the user record.
 */
import { FedError } from '../errors.js'
import type { Assignment } from './request.js'
import { applyOverrides, bool, obj, put, str, strs, projectionOptions, yesNo, type RecordLike, type ProjectionOptions, type ProjectedRow } from './projection.js'

export function voicemailUniqueId (userId: string): string {
  let h = 0x811c9dc5
  for (const b of new TextEncoder().encode(userId)) {
    h ^= b
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return String((h & 0x7fffffff) || 1)
}

/** The user's mailbox, or undefined when the user has none. */
export function userMailbox (user: RecordLike | undefined, opts?: Partial<ProjectionOptions>): { mailbox: string, context: string } | undefined {
  if (user === undefined) return undefined
  const vm = obj(user.fields.voicemail)
  if (vm === undefined || vm.enabled === false) return undefined
  const mailbox = str(vm.mailbox) ?? strs(user.fields.extensions)[0]
  if (mailbox === undefined) return undefined
  return { mailbox, context: str(vm.context) ?? projectionOptions(opts).voicemailContext }
}

/** `box@context`, as PJSIP `mailboxes` and chan_sip `mailbox` want it. */
export function mailboxSpec (user: RecordLike | undefined, opts?: Partial<ProjectionOptions>): string | undefined {
  const m = userMailbox(user, opts)
  return m === undefined ? undefined : `${m.mailbox}@${m.context}`
}

/** The voicemail row of a user, or undefined. `voicemail.options` overrides/extends any column. */
export function voicemailRow (user: RecordLike, opts?: Partial<ProjectionOptions>): ProjectedRow | undefined {
  const box = userMailbox(user, opts)
  if (box === undefined) return undefined
  const vm = obj(user.fields.voicemail)!
  const row: ProjectedRow = { uniqueid: voicemailUniqueId(user.id), context: box.context, mailbox: box.mailbox }
  put(row, 'password', str(vm.pin))
  put(row, 'fullname', str(user.fields.name))
  put(row, 'email', str(vm.email) ?? str(user.fields.email))
  const attach = bool(vm.attach)
  if (attach !== undefined) row.attach = yesNo(attach)
  const rows = { voicemail: row }
  applyOverrides(rows, vm.options, {}, 'voicemail', ['uniqueid', 'context', 'mailbox'])
  return row
}

/**
 * The user change for new voicemail values sent by Asterisk (update2 of the
 * password, or REALTIME() writes): `password` → voicemail.pin, `email` →
 * voicemail.email, `attach` → voicemail.attach, `fullname` → the user's
 * name, any other column → voicemail.options. The `voicemail` object is one
 * merge unit, so the whole new object is returned. FED_ERR_VALIDATION when a
 * key column (uniqueid, context, mailbox) would change.
 */
export function voicemailPatch (user: RecordLike, set: readonly Assignment[]): Record<string, unknown> {
  const vm: Record<string, unknown> = { ...(obj(user.fields.voicemail) ?? {}) }
  const options: Record<string, string> = { ...((obj(vm.options) ?? {}) as Record<string, string>) }
  const patch: Record<string, unknown> = {}
  for (const a of set) {
    switch (a.column) {
      case 'password': vm.pin = a.value; break
      case 'email': if (a.value.length > 0) vm.email = a.value; else delete vm.email; break
      case 'attach': vm.attach = /^(yes|true|on|1)$/i.test(a.value); break
      case 'fullname': patch.name = a.value; break
      case 'uniqueid': case 'context': case 'mailbox':
        throw new FedError('FED_ERR_VALIDATION', `The voicemail column ${a.column} cannot be changed through realtime`, [{ path: '/voicemail/' + a.column, message: 'read-only through realtime' }])
      default: options[a.column] = a.value
    }
  }
  if (Object.keys(options).length > 0) vm.options = options
  patch.voicemail = vm
  return patch
}
