/**
 * Who may use the realtime API: an optional IP allow-list (addresses and
 * CIDR blocks, IPv4 and IPv6; an IPv4-mapped IPv6 peer address counts as
 * IPv4) and optional HTTP basic auth (`res_curl.conf` `userpwd=user:password`:
 * libcurl sends it pre-emptively on every request). The listen address is
 * the first line of defence: the node listens on loopback by default.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import { FedError } from '@federator/core'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

export interface AccessOptions {
  /** `user:password` (res_curl.conf `userpwd`) */
  auth?: string
  /** addresses or CIDR blocks allowed to connect (empty or absent: any) */
  allow?: readonly string[]
}

export type AccessDenied = 'unauthorized' | 'forbidden'

/** Parse an allow-list; FED_ERR_CONFIG on an entry that is not an address or CIDR block. */
export function allowList (entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const raw of entries) {
    const e = raw.trim()
    const [addr, bits, extra] = e.split('/')
    const family = isIP(addr ?? '')
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits)
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new FedError('FED_ERR_CONFIG', `realtime allow-list: ${JSON.stringify(raw)} is not an IP address or CIDR block`)
    }
    list.addSubnet(addr!, prefix, family === 6 ? 'ipv6' : 'ipv4')
  }
  return list
}

/** A checker for one request's peer address and Authorization header; undefined when access is open. */
export function accessCheck (o: AccessOptions): ((address: string | undefined, authorization: string | undefined) => AccessDenied | undefined) | undefined {
  const allow = o.allow !== undefined && o.allow.length > 0 ? allowList(o.allow) : undefined
  let expected: Buffer | undefined
  if (o.auth !== undefined) {
    if (!/^[^:]+:.*$/.test(o.auth)) throw new FedError('FED_ERR_CONFIG', 'realtime auth: expected user:password')
    expected = digest(o.auth)
  }
  if (allow === undefined && expected === undefined) return undefined
  return (address, authorization) => {
    if (allow !== undefined) {
      const a = address?.startsWith('::ffff:') === true && isIP(address.slice(7)) === 4 ? address.slice(7) : address
      const family = a === undefined ? 0 : isIP(a)
      if (family === 0 || !allow.check(a!, family === 6 ? 'ipv6' : 'ipv4')) return 'forbidden'
    }
    if (expected !== undefined) {
      const m = authorization === undefined ? null : /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization)
      if (m === null) return 'unauthorized'
      if (!timingSafeEqual(digest(Buffer.from(m[1]!, 'base64').toString('utf8')), expected)) return 'unauthorized'
    }
    return undefined
  }
}
