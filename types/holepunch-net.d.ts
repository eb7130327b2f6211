// Minimal typings for the Holepunch networking modules used by @federator/net (they ship none).
// Only what Federator calls is declared; extend as needed.

declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'
  namespace HyperDHT {
    interface KeyPair { publicKey: Buffer, secretKey: Buffer }
    interface Address { host: string, port: number }
    interface Options {
      bootstrap?: Address[] | string[]
      host?: string
      port?: number | [number, number]
      firewalled?: boolean
      ephemeral?: boolean
      keyPair?: KeyPair
      connectionKeepAlive?: number | false
    }
    interface ConnectOptions { relayAddresses?: Address[] | null, keyPair?: KeyPair, [k: string]: unknown }
    /** @hyperswarm/secret-stream's NoiseSecretStream, as far as we use it. */
    interface NoiseSecretStream extends EventEmitter {
      readonly publicKey: Buffer
      readonly remotePublicKey: Buffer
      readonly handshakeHash: Buffer | null
      readonly isInitiator: boolean
      readonly rawStream: { remoteHost?: string | null, remotePort?: number } | null
      readonly opened: Promise<boolean>
      readonly destroyed: boolean
      readonly rawBytesRead: number
      readonly rawBytesWritten: number
      userData: unknown
      destroy (err?: Error): void
      end (): void
      write (data: Uint8Array): boolean
      setKeepAlive (ms: number): void
    }
  }
  class HyperDHT extends EventEmitter {
    constructor (opts?: HyperDHT.Options)
    static readonly BOOTSTRAP: string[]
    static keyPair (seed?: Buffer): HyperDHT.KeyPair
    static bootstrapper (port: number, host: string, opts?: Record<string, unknown>): HyperDHT
    readonly destroyed: boolean
    readonly online: boolean
    readonly bootstrapped: boolean
    readonly firewalled: boolean
    readonly defaultKeyPair: HyperDHT.KeyPair
    bind (): Promise<void>
    address (): { host: string, family: number, port: number }
    remoteAddress (): { host: string, port: number } | null
    fullyBootstrapped (): Promise<void>
    ready (): Promise<void>
    toArray (): HyperDHT.Address[]
    connect (publicKey: Buffer, opts?: HyperDHT.ConnectOptions): HyperDHT.NoiseSecretStream
    destroy (opts?: { force?: boolean }): Promise<void>
  }
  export = HyperDHT
}

declare module 'hyperdht/testnet' {
  import type HyperDHT from 'hyperdht'
  namespace createTestnet {
    interface Testnet {
      nodes: HyperDHT[]
      bootstrap: HyperDHT.Address[]
      createNode (opts?: HyperDHT.Options): HyperDHT
      destroy (): Promise<void>
    }
  }
  function createTestnet (size?: number, opts?: { host?: string, port?: number, bootstrap?: HyperDHT.Address[], teardown?: (fn: () => Promise<void>, opts?: unknown) => void }): Promise<createTestnet.Testnet>
  export = createTestnet
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import type HyperDHT from 'hyperdht'
  namespace Hyperswarm {
    interface PeerInfo {
      readonly publicKey: Buffer
      readonly topics: Buffer[]
      readonly client: boolean
      readonly explicit: boolean
      readonly banned: boolean
      relayAddresses: HyperDHT.Address[] | null
      attempts: number
    }
    interface PeerDiscovery {
      flushed (): Promise<void>
      refresh (opts?: { client?: boolean, server?: boolean }): Promise<void>
      destroy (): Promise<void>
    }
    interface Options {
      dht?: HyperDHT
      keyPair?: HyperDHT.KeyPair
      firewall?: (remotePublicKey: Buffer, payload: unknown) => boolean
      maxPeers?: number
      backoffs?: number[]
      jitter?: number
    }
  }
  class Hyperswarm extends EventEmitter {
    constructor (opts?: Hyperswarm.Options)
    readonly dht: HyperDHT
    readonly keyPair: HyperDHT.KeyPair
    readonly connections: Set<HyperDHT.NoiseSecretStream>
    readonly peers: Map<string, Hyperswarm.PeerInfo>
    readonly destroyed: boolean
    listen (): Promise<void>
    join (topic: Buffer, opts?: { server?: boolean, client?: boolean, limit?: number }): Hyperswarm.PeerDiscovery
    leave (topic: Buffer): Promise<void>
    joinPeer (publicKey: Buffer): void
    leavePeer (publicKey: Buffer): void
    flush (): Promise<boolean>
    destroy (opts?: { force?: boolean }): Promise<void>
    on (event: 'connection', fn: (conn: HyperDHT.NoiseSecretStream, info: Hyperswarm.PeerInfo) => void): this
    on (event: 'update', fn: () => void): this
    on (event: 'ban', fn: (info: Hyperswarm.PeerInfo, err: Error) => void): this
  }
  export = Hyperswarm
}

declare module 'protomux' {
  namespace Protomux {
    interface Encoding<T = unknown> {
      preencode (state: { start: number, end: number, buffer: Uint8Array | null }, v: T): void
      encode (state: { start: number, end: number, buffer: Uint8Array | null }, v: T): void
      decode (state: { start: number, end: number, buffer: Uint8Array | null }): T
    }
    interface Message<T = Uint8Array> {
      send (value: T): boolean
    }
    interface Channel {
      readonly opened: boolean
      readonly closed: boolean
      readonly protocol: string
      userData: unknown
      open (handshake?: unknown): void
      close (): void
      cork (): void
      uncork (): void
      addMessage<T = Uint8Array> (opts: { encoding?: Encoding<T>, onmessage?: (m: T, channel: Channel) => unknown }): Message<T>
      readonly messages: Message<any>[]
      fullyOpened (): Promise<boolean>
    }
    interface ChannelOptions {
      protocol: string
      id?: Buffer | null
      unique?: boolean
      userData?: unknown
      handshake?: Encoding<any> | null
      messages?: Array<{ encoding?: Encoding<any>, onmessage?: (m: any, channel: Channel) => unknown }>
      onopen?: (handshake: any, channel: Channel) => unknown
      onclose?: (isRemote: boolean, channel: Channel) => unknown
      ondestroy?: (channel: Channel) => unknown
    }
  }
  class Protomux {
    static from (stream: unknown, opts?: unknown): Protomux
    static isProtomux (x: unknown): boolean
    readonly stream: unknown
    createChannel (opts: Protomux.ChannelOptions): Protomux.Channel | null
    pair (opts: { protocol: string, id?: Buffer | null }, notify: (id: Buffer | null) => unknown): void
    unpair (opts: { protocol: string, id?: Buffer | null }): void
    cork (): void
    uncork (): void
  }
  export = Protomux
}

declare module 'hypercore-crypto' {
  interface KeyPair { publicKey: Buffer, secretKey: Buffer }
  export function keyPair (seed?: Uint8Array): KeyPair
  export function sign (message: Uint8Array, secretKey: Uint8Array): Buffer
  export function verify (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean
  export function discoveryKey (key: Uint8Array): Buffer
  export function randomBytes (n: number): Buffer
  export function hash (data: Uint8Array | Uint8Array[]): Buffer
}
