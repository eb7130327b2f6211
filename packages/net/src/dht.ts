/**
 * The node's HyperDHT and the helpers around it.
 *
 * `AddressBookDHT` is a HyperDHT that knows where some peers listen (static
 * peers, LAN announcements) and hands those addresses to every connect, so
 * hyperswarm's `joinPeer` reaches them directly, with or without a DHT
 * (`bootstrap: []`). Creation always passes an explicit bootstrap array and
 * host: HyperDHT treats a missing bootstrap as "the public DHT" and a missing
 * host as "every interface".
 */
import HyperDHT from 'hyperdht'
import type { Logger } from 'pino'
import type { HostPort } from './peer-address.js'
import type { KeyPair } from './types.js'

export const DEFAULT_DHT_PORT = 49737

export class AddressBookDHT extends HyperDHT {
  /** swarm public key hex → where it listens */
  readonly book = new Map<string, HostPort[]>()

  override connect (publicKey: Buffer, opts: HyperDHT.ConnectOptions = {}): HyperDHT.NoiseSecretStream {
    const known = this.book.get(publicKey.toString('hex'))
    if (known !== undefined && known.length > 0) {
      opts = { ...opts, relayAddresses: [...known, ...(opts.relayAddresses ?? [])] }
    }
    return super.connect(publicKey, opts)
  }
}

export interface CreateDhtOptions {
  /** address to bind (required: '127.0.0.1' in tests, '0.0.0.0' for every interface) */
  host: string
  /** UDP port; 0 = any free port (default 49737; HyperDHT moves to a near/free port when taken) */
  port?: number
  /** DHT bootstrap nodes; [] = no DHT (static and LAN peers only) */
  bootstrap: HostPort[]
  keyPair: KeyPair
}

export function createDht (o: CreateDhtOptions): AddressBookDHT {
  if (!Array.isArray(o.bootstrap)) throw new TypeError('bootstrap must be an array (an absent one would mean the public DHT)')
  if (typeof o.host !== 'string' || o.host === '') throw new TypeError('host is required')
  const port = o.port ?? DEFAULT_DHT_PORT
  return new AddressBookDHT({
    bootstrap: o.bootstrap.map(b => ({ host: b.host, port: b.port })),
    host: o.host,
    port: port === 0 ? [0, 0] : port,
    firewalled: false,
    keyPair: o.keyPair
  })
}

/** Logs the first warning of each key, then at most one per `intervalMs` (with how many were held back). */
export class WarnLimiter {
  private readonly last = new Map<string, { at: number, suppressed: number }>()
  constructor (private readonly log: Logger, private readonly intervalMs: number) {}

  warn (key: string, obj: Record<string, unknown>, msg: string): boolean {
    const now = Date.now()
    const e = this.last.get(key)
    if (e !== undefined && now - e.at < this.intervalMs) {
      e.suppressed++
      return false
    }
    this.log.warn({ ...obj, ...(e !== undefined && e.suppressed > 0 ? { suppressed: e.suppressed } : {}) }, msg)
    this.last.set(key, { at: now, suppressed: 0 })
    if (this.last.size > 10_000) this.last.clear()
    return true
  }
}

export interface BootstrapNode {
  readonly address: HostPort
  close (): Promise<void>
}

/**
 * Runs a DHT bootstrap node for a private deployment (`federator bootstrap`).
 * `host` is the address other nodes use to reach it (an IPv4 address);
 * `bind` defaults to it.
 */
export async function runBootstrap (o: { host: string, port: number, bind?: string }): Promise<BootstrapNode> {
  const node = HyperDHT.bootstrapper(o.port, o.host, { host: o.bind ?? o.host })
  await node.fullyBootstrapped()
  const a = node.address()
  let closing: Promise<void> | null = null
  return {
    address: { host: o.host, port: a.port },
    close: () => (closing ??= node.destroy())
  }
}
