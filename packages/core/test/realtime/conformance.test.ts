/**
 * Replays the call flows of docs/asterisk-protocol.md §6
 * through the pure functions, with a small in-test backend that does what the
 * HTTP plugin will do: parse → select rows (views, generic rows, contacts) →
 * match → encode; writes answer an integer, bad input "nothing" or -1.
 */
import t from 'tap'
import {
  ANSWER_FAILED, ANSWER_NONE, ANSWER_REQUIRE, applyRowUpdate, applySipRegistration, compileCriteria, contactFromStore, contactIdOf,
  contactRow, contactWithUpdate, defaultKeyColumns, deviceSipPeer, devicePjsipRows, encodeCount, encodeMulti, encodeSingle,
  encodeStatic, familyKind, isNumericColumn, parseConf, parseDestroy, parseLookup, parseRequire, parseStore, parseUpdate,
  requestProblem, rowFromStore, rowIdFromCriteria, sortRows, splitSipUpdate, tableSchema, trunkPjsipRows, voicemailPatch, voicemailRow,
  type PjsipContact, type RecordLike, type RowValues, type SipRegistration
} from '../../src/index.js'

class Backend {
  users = new Map<string, RecordLike>()
  devices = new Map<string, RecordLike>()
  trunks = new Map<string, RecordLike>()
  rows = new Map<string, { family: string, columns: Record<string, string> }>()
  contacts = new Map<string, PjsipContact>()
  sipRegs = new Map<string, SipRegistration>()
  problems: string[] = []

  familyRows (family: string): RowValues[] {
    const out: RowValues[] = []
    switch (familyKind(family)) {
      case 'pjsip':
        for (const d of this.devices.values()) {
          const r = devicePjsipRows(d, this.users.get(String(d.fields.user)))
          const row = (r as Record<string, RowValues> | undefined)?.[family]
          if (row !== undefined) out.push(row)
        }
        for (const tr of this.trunks.values()) {
          const row = (trunkPjsipRows(tr) as Record<string, RowValues> | undefined)?.[family]
          if (row !== undefined) out.push(row)
        }
        return out
      case 'sip':
        for (const d of this.devices.values()) {
          const row = deviceSipPeer(d, this.users.get(String(d.fields.user)), this.sipRegs.get(d.id))
          if (row !== undefined) out.push(row)
        }
        return out
      case 'voicemail':
        for (const u of this.users.values()) { const row = voicemailRow(u); if (row !== undefined) out.push(row) }
        return out
      case 'contacts':
        return [...this.contacts.values()].map(contactRow)
      default:
        return [...this.rows.values()].filter((r) => r.family === family).map((r) => r.columns)
    }
  }

  handle (family: string, op: string, body: string, query = ''): string {
    const numeric = (c: string): boolean => isNumericColumn(family, c)
    const write = op === 'update' || op === 'store' || op === 'destroy'
    try {
      if (op === 'require') { parseRequire(body); return ANSWER_REQUIRE }
      if (op === 'single' || op === 'multi') {
        const req = parseLookup(op, body)
        const match = compileCriteria(req.criteria, numeric)
        const found = this.familyRows(family).filter(match)
        if (op === 'single') return encodeSingle(found[0])
        return encodeMulti(sortRows(found, req.key, numeric(req.key)), req.key)
      }
      const keys = defaultKeyColumns(family) ?? []
      if (op === 'store') {
        const req = parseStore(body)
        if (familyKind(family) === 'contacts') { const c = contactFromStore(req.values); this.contacts.set(c.id, c); return encodeCount(1) }
        const r = rowFromStore(family, keys, req.values)
        this.rows.set(r.id, r.fields)
        return encodeCount(1)
      }
      if (op === 'update') {
        const req = parseUpdate(query, body, tableSchema(family))
        if (req.ambiguous) throw new Error('ambiguous update2')
        switch (familyKind(family)) {
          case 'contacts': {
            const id = contactIdOf(req.where)
            const old = id === undefined ? undefined : this.contacts.get(id)
            if (old === undefined) return encodeCount(0)
            this.contacts.set(old.id, contactWithUpdate(old, req.set))
            return encodeCount(1)
          }
          case 'sip': {
            const name = req.where.find((c) => c.column === 'name' && c.op === '=')?.value
            if (name === undefined || !this.devices.has(name)) return encodeCount(0)
            const { registration, other } = splitSipUpdate(req.set)
            if (other.length > 0) return ANSWER_FAILED
            const reg = applySipRegistration(name, this.sipRegs.get(name), registration)
            if (reg === null) this.sipRegs.delete(name); else this.sipRegs.set(name, reg)
            return encodeCount(1)
          }
          case 'voicemail': {
            const match = compileCriteria(req.where, numeric)
            const users = [...this.users.values()].filter((u) => { const row = voicemailRow(u); return row !== undefined && match(row) })
            for (const u of users) this.users.set(u.id, { id: u.id, fields: { ...u.fields, ...voicemailPatch(u, req.set) } })
            return encodeCount(users.length)
          }
          default: {
            const id = rowIdFromCriteria(family, keys, req.where)
            const old = id === undefined ? undefined : this.rows.get(id)
            if (old === undefined) return encodeCount(0)
            const next = applyRowUpdate(family, keys, old.columns, req.set)
            this.rows.delete(id!)
            this.rows.set(next.id, next.fields)
            return encodeCount(1)
          }
        }
      }
      if (op === 'destroy') {
        const req = parseDestroy(body)
        if (familyKind(family) === 'contacts') { const id = contactIdOf(req.criteria); return encodeCount(id !== undefined && this.contacts.delete(id) ? 1 : 0) }
        return encodeCount(0)
      }
      return write ? ANSWER_FAILED : ANSWER_NONE
    } catch (err) {
      this.problems.push(requestProblem(err) ?? (err as Error).message)
      return write ? ANSWER_FAILED : ANSWER_NONE
    }
  }
}

function backend (): Backend {
  const b = new Backend()
  b.users.set('alice', { id: 'alice', fields: { name: 'Alice', extensions: ['100'], voicemail: { pin: '1234' } } })
  b.devices.set('alice', { id: 'alice', fields: { user: 'alice', secret: 's3cr3t' } })
  b.trunks.set('carrier', { id: 'carrier', fields: { host: 'sip.carrier.example', ips: ['192.0.2.10'], secret: 'pw', username: 'u1', register: true } })
  return b
}

t.test('PJSIP REGISTER: identify → auth → aor → contacts → store → update → destroy → pruning', async (t) => {
  const b = backend()
  t.equal(b.handle('ps_endpoint_id_ips', 'multi', 'id%20LIKE=%25'), 'id=carrier&endpoint=carrier&match=192.0.2.10\n')
  t.equal(b.handle('ps_endpoints', 'single', 'id=alice%40127.0.0.1'), '', 'the @domain variant: not found, fast')
  t.equal(b.handle('ps_domain_aliases', 'single', 'id=127.0.0.1'), '')
  t.equal(b.handle('ps_endpoints', 'single', 'id=alice'),
    'id=alice&aors=alice&auth=alice&context=from-internal&disallow=all&allow=ulaw%2Calaw&direct_media=no&dtmf_mode=rfc4733&callerid=%22Alice%22%20%3C100%3E&mailboxes=100%40default&identify_by=username\n')
  t.equal(b.handle('ps_auths', 'single', 'id=alice'), 'id=alice&auth_type=userpass&username=alice&password=s3cr3t\n')
  t.equal(b.handle('ps_aors', 'single', 'id=alice'), 'id=alice&max_contacts=1&remove_existing=yes&qualify_frequency=60\n')
  t.equal(b.handle('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25'), '', 'no bindings yet')
  const store = 'id=alice%3B%40a709087b369aae7261670380fca91842&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=c%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=alice&via_port=25070&authenticate_qualify=no&uri=sip%3Aalice%40127.0.0.1%3A25070&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=1795686256&outbound_proxy='
  t.equal(b.handle('ps_contacts', 'store', store), '1\n', 'sorcery wants ≥ 1')
  const bound = b.handle('ps_contacts', 'multi', 'id%20LIKE=alice%3B%40%25')
  t.match(bound, /^id=alice%3B%40a709087b369aae7261670380fca91842&uri=sip%3Aalice%40127.0.0.1%3A25070&expiration_time=1795686256&/)
  t.notMatch(bound, /path=|outbound_proxy=/, 'empty columns are not sent in multi')
  t.equal(b.handle('ps_contacts', 'update', 'via_addr=127.0.0.1&expiration_time=1795686316&path=', 'id=alice%3B%40a709087b369aae7261670380fca91842'), '1\n')
  t.equal(b.handle('ps_contacts', 'multi', 'expiration_time%20%3C%3D=1795686300'), '', 'refreshed: not expired')
  t.match(b.handle('ps_contacts', 'multi', 'expiration_time%20%3C%3D=1795686316'), /^expiration_time=1795686316&id=alice%3B%40a709/, 'expired (the key column comes first)')
  t.equal(b.handle('ps_contacts', 'update', 'expiration_time=1', 'id=bob%3B%40ffff'), '0\n', 'an unknown contact: 0 rows')
  t.equal(b.handle('ps_contacts', 'destroy', 'id=alice%3B%40a709087b369aae7261670380fca91842&'), '1\n')
  t.equal(b.handle('ps_contacts', 'destroy', 'id=alice%3B%40a709087b369aae7261670380fca91842&'), '0\n')
  t.equal(b.handle('ps_contacts', 'multi', 'id%20LIKE=%25'), '')
  t.match(b.handle('ps_endpoints', 'multi', 'mailboxes%20%21%3D='), /^mailboxes=100%40default&id=alice&/, 'MWI start-up query')
  t.equal(b.handle('ps_aors', 'multi', 'contact%20%21%3D='), 'contact=sip%3Asip.carrier.example&id=carrier&qualify_frequency=60\n', '`pjsip show contacts`')
  t.same(b.problems, [])
})

t.test('chan_sip: name+host lookup, registration update, lookup by address, unregister', async (t) => {
  const b = backend()
  t.match(b.handle('sippeers', 'single', 'name=alice&host=dynamic'), /^name=alice&type=friend&host=dynamic&secret=s3cr3t&/)
  t.equal(b.handle('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062'), '')
  t.equal(b.handle('sippeers', 'update', 'ipaddr=127.0.0.1&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&lastms=0&useragent=Zoiper&defaultuser=alice&regseconds=1795686316&port=5062', 'name=alice'), '1\n')
  t.match(b.handle('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062'), /&ipaddr=127.0.0.1&port=5062&regseconds=1795686316&fullcontact=sip%3Aalice%40127.0.0.1%3A5062&/)
  t.equal(b.handle('sippeers', 'update', 'fullcontact=&lastms=0&useragent=&regserver=&regseconds=0&port=0&ipaddr=', 'name=alice'), '1\n')
  t.equal(b.handle('sippeers', 'single', 'ipaddr=127.0.0.1&port=5062'), '')
  t.equal(b.handle('sippeers', 'multi', 'name%20LIKE=%25&callbackextension%20LIKE=%25'), '', 'no device has a callbackextension')
  t.equal(b.handle('sippeers', 'require', 'name=char%3A10&ipaddr=char%3A45&port=uinteger2%3A5'), '0\n')
})

t.test('voicemail: lookup and the update2 password change', async (t) => {
  const b = backend()
  t.match(b.handle('voicemail', 'single', 'mailbox=100&context=default'), /&context=default&mailbox=100&password=1234&fullname=Alice\n$/)
  t.equal(b.handle('voicemail', 'require', 'password=char%3A10'), '0\n')
  t.equal(b.handle('voicemail', 'update', '&password=4321', '&context=defaultmailbox=100'), '1\n', 'success is an answer > 0')
  t.match(b.handle('voicemail', 'single', 'mailbox=100&context=default'), /password=4321/)
  t.match(b.handle('voicemail', 'multi', 'mailbox%20LIKE=%25&context=default'), /^mailbox=100&/, 'app_directory')
})

t.test('queues, queue_members and pbx_realtime as generic rows', async (t) => {
  const b = backend()
  t.equal(b.handle('queues', 'store', 'name=support&strategy=ringall&timeout=15'), '1\n')
  t.equal(b.handle('queues', 'store', 'name=sales&strategy=leastrecent'), '1\n')
  t.equal(b.handle('queues', 'multi', 'name%20LIKE=%25'), 'name=sales&strategy=leastrecent\nname=support&strategy=ringall&timeout=15\n', 'ordered by the key column')
  t.equal(b.handle('queue_members', 'store', 'uniqueid=77&queue_name=support&interface=Local%2F100%40apps&membername=Alice&penalty=0&paused=0'), '1\n')
  t.equal(b.handle('queue_members', 'multi', 'interface%20LIKE=%25&queue_name=support'),
    'interface=Local%2F100%40apps&uniqueid=77&queue_name=support&membername=Alice&penalty=0&paused=0\n')
  t.equal(b.handle('queue_members', 'update', 'paused=1', 'uniqueid=77'), '1\n')
  t.match(b.handle('queue_members', 'multi', 'interface%20LIKE=%25&queue_name%20LIKE=%25'), /paused=1/)
  t.equal(b.handle('extensions', 'store', 'exten=100&context=rt-switch&priority=1&app=Verbose&appdata=1%2CRT-SWITCH%20priority%201%20for%20%24%7BEXTEN%7D'), '1\n')
  t.equal(b.handle('extensions', 'single', 'exten=100&priority=1&context=rt-switch'),
    'exten=100&context=rt-switch&priority=1&app=Verbose&appdata=1%2CRT-SWITCH%20priority%201%20for%20%24%7BEXTEN%7D\n', 'asterisk-protocol.md §6, byte for byte')
  t.equal(b.handle('extensions', 'single', 'exten=100&priority=2&context=rt-switch'), '', 'only the exact priority')
  t.equal(b.handle('extensions', 'multi', 'exten%20LIKE=%5C_%25&priority=1&context=rt-switch'), '')
})

t.test('static realtime', async (t) => {
  const { lines } = parseConf('[general]\npersistentmembers=no\n[staticq]\nstrategy=ringall\ntimeout=15\nmember=Local/200@apps,0,Carol\n')
  t.equal(encodeStatic(lines),
    'category=general&var_name=persistentmembers&var_val=no&cat_metric=0&var_metric=0\n' +
    'category=staticq&var_name=strategy&var_val=ringall&cat_metric=1&var_metric=0\n' +
    'category=staticq&var_name=timeout&var_val=15&cat_metric=1&var_metric=1\n' +
    'category=staticq&var_name=member&var_val=Local%2F200%40apps%2C0%2CCarol&cat_metric=1&var_metric=2\n', 'asterisk-protocol.md §4.7')
})

t.test('bad input: reads answer nothing, writes -1, never half-written', async (t) => {
  const b = backend()
  t.equal(b.handle('ps_endpoints', 'single', 'id%20NOT%20LIKE=x'), ANSWER_NONE)
  t.equal(b.handle('ps_endpoints', 'multi', 'id=%zz'), ANSWER_NONE)
  t.equal(b.handle('ps_endpoints', 'single', ''), ANSWER_NONE)
  t.equal(b.handle('ps_contacts', 'store', 'id=x&uri=sip%3Ax&expiration_time=1'), ANSWER_FAILED)
  t.equal(b.handle('queues', 'store', 'strategy=ringall'), ANSWER_FAILED, 'no key column')
  t.equal(b.handle('sippeers', 'update', '&port=1', '&name=bobfoo=1'), ANSWER_FAILED)
  t.equal(b.handle('queues', 'multi', 'name%20LIKE=%25'), '', 'nothing was stored')
  t.same(b.problems, ['bad_operator', 'bad_escape', 'no_criteria', 'bad_contact', 'A queues row needs its key column name', 'update2_unknown_columns'])
})
