/**
 * Registrations as routing reads them: a soft-state item published by the
 * realtime plugin (kind `contact`: a PJSIP `ps_contacts` row with
 * `expiration_time` in epoch seconds, key = contact id `<aor>;@<hash>`; kind
 * `sipreg`: a chan_sip registration with `regseconds` in epoch seconds, key =
 * peer name) becomes a `RoutingContact` of the owner node: device = AOR id
 * or peer name, expiry and last update in milliseconds.
 */
import { CONTACT_KIND, SIPREG_KIND, type RoutingContact } from '@federator/core'

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const MAX_EPOCH_S = 1e11

/** The routing contact of a soft-state registration, or undefined when the item is not one. */
export function routingContact (kind: string, key: string, node: string, value: unknown, updated: number): RoutingContact | undefined {
  if (!isObj(value)) return undefined
  if (kind === CONTACT_KIND) {
    const { aor, expiration_time: exp, uri } = value
    if (typeof aor !== 'string' || aor === '' || typeof exp !== 'number' || !(exp >= 0 && exp < MAX_EPOCH_S)) return undefined
    return { id: key, node, device: aor, uri: typeof uri === 'string' ? uri : '', expires: exp * 1000, updated }
  }
  if (kind === SIPREG_KIND) {
    const { name, regseconds, fullcontact, ipaddr, port } = value
    if (typeof name !== 'string' || name === '' || typeof regseconds !== 'number' || !(regseconds >= 0 && regseconds < MAX_EPOCH_S)) return undefined
    const uri = typeof fullcontact === 'string' && fullcontact !== ''
      ? fullcontact
      : typeof ipaddr === 'string' ? `sip:${name}@${ipaddr}${typeof port === 'number' ? ':' + String(port) : ''}` : ''
    return { id: key, node, device: name, uri, expires: regseconds * 1000, updated }
  }
  return undefined
}

export const isRegistrationKind = (kind: string): boolean => kind === CONTACT_KIND || kind === SIPREG_KIND
