// Minimal typings for modules that ship none (Holepunch stack, autocannon). Only what Federator calls is declared.

declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  namespace Hypercore {
    interface GetOptions { wait?: boolean, timeout?: number, valueEncoding?: string }
  }
  class Hypercore extends EventEmitter {
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly length: number
    readonly contiguousLength: number
    readonly writable: boolean
    readonly opened: boolean
    readonly closed: boolean
    readonly peers: unknown[]
    ready (): Promise<void>
    close (): Promise<void>
    append (blocks: Buffer | Buffer[]): Promise<{ length: number, byteLength: number }>
    get (index: number, opts?: Hypercore.GetOptions): Promise<Buffer | null>
    has (start: number, end?: number): Promise<boolean>
    clear (start: number, end?: number): Promise<unknown>
    update (opts?: { wait?: boolean }): Promise<boolean>
    download (range?: { start?: number, end?: number, blocks?: number[], linear?: boolean }): { done (): Promise<void>, destroy (): void }
    info (opts?: unknown): Promise<unknown>
  }
  export = Hypercore
}

declare module 'corestore' {
  import type Hypercore from 'hypercore'
  import { EventEmitter } from 'node:events'
  class Corestore extends EventEmitter {
    constructor (storage: string | object, opts?: Record<string, unknown>)
    readonly primaryKey: Buffer
    ready (): Promise<void>
    close (): Promise<void>
    get (opts: { name?: string, key?: Buffer | string, exclusive?: boolean, writable?: boolean } | Buffer): Hypercore
    replicate (stream: unknown, opts?: Record<string, unknown>): unknown
    namespace (name: string): Corestore
    session (opts?: Record<string, unknown>): Corestore
    createKeyPair (name: string): Promise<{ publicKey: Buffer, secretKey: Buffer }>
  }
  export = Corestore
}

declare module 'autocannon' {
  interface Histogram { p50: number, p90: number, p99: number, average: number, max: number }
  interface Result { '2xx': number, non2xx: number, errors: number, timeouts: number, requests: Histogram & { total: number }, latency: Histogram, throughput: Histogram }
  function autocannon (opts: Record<string, unknown>): Promise<Result>
  export = autocannon
}

declare module 'hypercore-storage' {
  class CoreStorage {
    constructor (dir: string, opts?: { writeBufferSize?: number, [k: string]: unknown })
  }
  export = CoreStorage
}
