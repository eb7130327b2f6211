/**
 * Requests as Asterisk sends them, for tests that play Asterisk against a node: res_config_curl's
 * form POSTs to `/realtime/<family>/<op>` (docs/asterisk-protocol.md), the body PJSIP posts when a
 * phone REGISTERs (a `ps_contacts` store), and the dialplan's `/route` GET.
 */

/** The headers res_config_curl sends. */
export const ASTERISK_FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'asterisk-libcurl-agent/1.0' }

type Target = string | { url: string }
const base = (n: Target): string => typeof n === 'string' ? n : n.url

/** A realtime request; resolves with the answer body without its final line break. */
export async function realtime (n: Target, family: string, op: string, body: string, query = ''): Promise<string> {
  const res = await fetch(`${base(n)}/realtime/${family}/${op}${query === '' ? '' : '?' + query}`, { method: 'POST', headers: ASTERISK_FORM, body })
  if (res.status !== 200) throw new Error(`realtime answered HTTP ${res.status}`)
  return (await res.text()).trimEnd()
}

/** A `/route` request (the query string without `?`); throws unless HTTP 200. */
export async function route (n: Target, query: string): Promise<string> {
  const res = await fetch(`${base(n)}/route?${query}`)
  if (res.status !== 200) throw new Error(`/route answered HTTP ${res.status}`)
  return await res.text()
}

/** `<endpoint>;@<hash>` URL-encoded, as Asterisk names a contact. */
export const contactId = (endpoint: string, hash: string): string => `${endpoint}%3B%40${hash}`

export interface RegisterOptions {
  /** the whole contact id, URL-encoded (default: `contactId(endpoint, hash)`) */
  id?: string
  /** the contact's hash part (default: the endpoint's name padded with zeros to 32 characters) */
  hash?: string
  /** expiry, epoch seconds (default: an hour from now) */
  exp?: number
  /** the phone's port in via_port and the contact URI (default 25070) */
  port?: number
}

/** What PJSIP posts (`ps_contacts/store`) when `endpoint`'s phone REGISTERs. */
export function registerBody (endpoint: string, o: RegisterOptions = {}): string {
  const id = o.id ?? contactId(endpoint, o.hash ?? endpoint.padEnd(32, '0'))
  const exp = o.exp ?? Math.floor(Date.now() / 1000) + 3600
  const port = o.port ?? 25070
  return `id=${id}&via_addr=127.0.0.1&qualify_timeout=3.000000&qualify_2xx_only=false&call_id=${endpoint}%40127.0.0.1&reg_server=proto&prune_on_boot=no&path=&endpoint=${endpoint}&via_port=${port}&authenticate_qualify=no&uri=sip%3A${endpoint}%40127.0.0.1%3A${port}&qualify_frequency=0&user_agent=harness-sip-register&expiration_time=${exp}&outbound_proxy=`
}
