/**
 * voicemail.conf → users: each mailbox (`box => pin,full name,email,pager,options`
 * in a context category) becomes a user with a `voicemail` object, the inverse
 * of the voicemail view (realtime/voicemail.ts). The user's id is the mailbox
 * number (`<box>.<context>` outside the `default` context), its name the full
 * name; it gets no extensions: which numbers reach whom stays the dialplan's
 * business until routes or extensions are added. A device whose `mailboxes`
 * (PJSIP) or `mailbox` (chan_sip) names exactly this box is linked to the
 * user. Options a user does not model go to `voicemail.options`.
 */
import type { ConfCategory } from '../realtime/conf.js'
import { voicemailRow } from '../realtime/voicemail.js'
import { settle } from './overrides.js'
import { isId, type MigrationState } from './state.js'

const NODE_LOCAL = new Set(['general', 'zonemessages'])

export function migrateVoicemail (categories: readonly ConfCategory[], state: MigrationState): void {
  for (const cat of categories) {
    if (cat.template) continue
    if (NODE_LOCAL.has(cat.name)) { state.unmapped(`${cat.file}:${cat.line} [${cat.name}]`, 'node-local: keep it in this node\'s voicemail.conf'); continue }
    const context = cat.name
    for (const it of cat.items) {
      const from = `${it.file}:${it.line} mailbox ${it.name}@${context}`
      const box = it.name
      if (!/^[0-9A-Za-z*#+]{1,32}$/.test(box) || !/^[A-Za-z0-9_.-]{1,80}$/.test(context)) { state.unmapped(from, 'mailbox or context not valid for a user\'s voicemail'); continue }
      const id = context === 'default' ? box : `${box}.${context}`
      if (!isId(id)) { state.unmapped(from, `${id} is not a valid user id`); continue }
      const parts = it.value.split(',')
      const [pin = '', fullname = '', email = '', pager = ''] = parts.map((s) => s.trim())
      const options = parts.slice(4).join(',').trim()
      const row: Record<string, string> = { context, mailbox: box }
      if (pin.length > 0) row.password = pin
      if (fullname.length > 0) row.fullname = fullname
      if (email.length > 0) row.email = email
      if (pager.length > 0) row.pager = pager
      for (const opt of options.split('|')) {
        const eq = opt.indexOf('=')
        if (eq <= 0) continue
        const k = opt.slice(0, eq).trim().toLowerCase()
        const v = opt.slice(eq + 1).trim()
        if (v.length > 0) row[k] = v
      }
      const vm: Record<string, unknown> = { mailbox: box, context }
      if (/^[0-9]{0,20}$/.test(pin) && pin.length > 0) vm.pin = pin
      if (email.length > 0 && email.length <= 255) vm.email = email
      if (row.attach === 'yes' || row.attach === 'no') vm.attach = row.attach === 'yes'
      const fields: Record<string, unknown> = { name: fullname.length > 0 ? fullname.slice(0, 255) : `Mailbox ${box}`, extensions: [], voicemail: vm }
      const s = settle(vm, 'options', { voicemail: row },
        (v, o) => { const r = voicemailRow({ id, fields: { ...fields, voicemail: v } }, o); return r === undefined ? {} : { voicemail: r } },
        {}, ['uniqueid'])
      for (const p of s.problems) state.unmapped(from, p)
      if (state.get('user', id) !== undefined) { state.unmapped(from, `a user ${id} was already made`); continue }
      state.add({ type: 'user', id, ...fields }, {
        from: [from],
        to: `user ${id}`,
        overrides: s.overrides.map((o) => 'voicemail.' + o),
        notes: ['no extensions: add them (or routes) for calls to reach this user']
      })
      state.mailboxUsers.set(`${box}@${context}`, id)
    }
  }
}
