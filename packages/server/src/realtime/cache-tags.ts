/**
 * The answer cache's tags (cache.ts), declared once: each answer is kept
 * with the tags of everything it was computed from (pushed by the family
 * handlers, family-*.ts), and a change bumps the tags of what it changed
 * (the change router loader.ts, the RegistrationBook, rows-index.ts,
 * service.ts). A tag is only ever built here, so a reader and a writer of
 * one thing cannot spell it two ways; `CacheTag` is a branded string that
 * the cache, the handlers and the change router take.
 *
 *   d:<id> t:<id> u:<id>   device / trunk / user       one record (present or not)
 *   D* T* U*               allDevices / allTrunks /     every record of the type (scans; a user
 *                          allUsers                     change also bumps D*: endpoints carry the
 *                                                       user's name)
 *   x*                     extraRows                    the extra rows (inter-node trunks)
 *   h:<host>               host                         chan_sip peers with this static host
 *   s:<name> a:<ip> S*     sipReg / sipRegsAt /         chan_sip registrations: of a peer, at an
 *                          allSipRegs                   address, all
 *   c:<aor> C*             contacts / allContacts       PJSIP contacts of an AOR, all
 *   vm:<mailbox>           mailbox                      voicemail by mailbox
 *   vu:<uniqueid>          voicemailUniqueId            voicemail by uniqueid
 *   r:<f>|<index>#<k>|<t>  rowTuple                     generic rows whose first k index columns are t
 *   R:<family>             familyRows                   every generic row of a family
 *   cf:<file>              configFile                   a static config file
 */

declare const cacheTagBrand: unique symbol

/** A tag of the answer cache, built by `tag` only. */
export type CacheTag = string & { readonly [cacheTagBrand]: true }

const make = (s: string): CacheTag => s as CacheTag

export const tag = {
  device: (id: string): CacheTag => make('d:' + id),
  trunk: (id: string): CacheTag => make('t:' + id),
  user: (id: string): CacheTag => make('u:' + id),
  allDevices: make('D*'),
  allTrunks: make('T*'),
  allUsers: make('U*'),
  extraRows: make('x*'),
  host: (host: string): CacheTag => make('h:' + host),
  sipReg: (peer: string): CacheTag => make('s:' + peer),
  sipRegsAt: (ipaddr: string): CacheTag => make('a:' + ipaddr),
  allSipRegs: make('S*'),
  contacts: (aor: string): CacheTag => make('c:' + aor),
  allContacts: make('C*'),
  mailbox: (mailbox: string): CacheTag => make('vm:' + mailbox),
  voicemailUniqueId: (uniqueid: string): CacheTag => make('vu:' + uniqueid),
  /** the rows of `family` whose first `k` columns of the index named `index` have the values `tuple` (rows-index.ts) */
  rowTuple: (family: string, index: string, k: number, tuple: string): CacheTag => make('r:' + family + '|' + index + '#' + String(k) + '|' + tuple),
  familyRows: (family: string): CacheTag => make('R:' + family),
  configFile: (file: string): CacheTag => make('cf:' + file)
} as const
