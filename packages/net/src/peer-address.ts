/**
 * Peer and bootstrap addresses as typed by admins:
 *   static peer:     <64 hex public key>@<host>:<port>
 *   bootstrap node:  <host>:<port>
 * IPv6 hosts go in brackets ([::1]:49737).
 */
import { FedError } from '@federator/core'

export interface HostPort { host: string, port: number }
export interface StaticPeer extends HostPort {
  /** the peer's swarm public key, 64 hex */
  publicKey: string
}

const HEX64 = /^[0-9a-f]{64}$/
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/

function fail (input: string, reason: string): never {
  throw new FedError('FED_ERR_PEER_ADDRESS', `Invalid peer address "${input}": ${reason}`, { input, reason })
}

export function parseHostPort (input: string): HostPort {
  const s = input.trim()
  let host: string
  let portText: string
  if (s.startsWith('[')) {
    const end = s.indexOf(']')
    if (end < 0) fail(input, 'unclosed [ in IPv6 address')
    host = s.slice(1, end)
    if (!IPV6.test(host)) fail(input, 'not an IPv6 address inside [ ]')
    if (s[end + 1] !== ':') fail(input, 'expected :<port> after ]')
    portText = s.slice(end + 2)
  } else {
    const colon = s.lastIndexOf(':')
    if (colon < 0) fail(input, 'missing :<port>')
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
    if (host.includes(':')) fail(input, 'put an IPv6 address in brackets: [addr]:port')
    if (!HOSTNAME.test(host)) fail(input, 'not a host name or IPv4 address')
  }
  if (!/^[0-9]{1,5}$/.test(portText)) fail(input, 'the port must be a number')
  const port = Number(portText)
  if (port < 1 || port > 65535) fail(input, 'the port must be 1–65535')
  return { host, port }
}

export function parseStaticPeer (input: string): StaticPeer {
  const s = input.trim()
  const at = s.indexOf('@')
  if (at < 0) fail(input, 'expected <public key>@<host>:<port>')
  const publicKey = s.slice(0, at).toLowerCase()
  if (!HEX64.test(publicKey)) fail(input, 'the public key must be 64 hex digits')
  return { publicKey, ...parseHostPort(s.slice(at + 1)) }
}

export function formatHostPort (a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

export function formatStaticPeer (p: StaticPeer): string {
  return `${p.publicKey}@${formatHostPort(p)}`
}

/** `a:1,b:2` or an array of such strings → addresses (empty strings ignored). */
export function parseBootstrapList (input: string | string[]): HostPort[] {
  const parts = (Array.isArray(input) ? input : [input]).flatMap(s => s.split(','))
  return parts.map(s => s.trim()).filter(s => s !== '').map(parseHostPort)
}
