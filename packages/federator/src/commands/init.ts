/** `federator init`: create the data directory, the node's log (identity) and the admin token. */
import { mkdir } from 'node:fs/promises'
import { Store } from '@federator/store'
import { adminToken } from '../token.js'
import type { Config } from '../config.js'

export async function initDataDir (config: Config): Promise<void> {
  await mkdir(config.data, { recursive: true })
  const store = new Store({ dir: config.data })
  await store.ready()
  const writer = store.writerKey
  await store.close()
  const t = await adminToken(config.data, config.adminToken)
  process.stdout.write(`data directory ${config.data} ready\nnode writer key ${writer}\n`)
  if (t.generated) process.stdout.write(`Admin token (shown once, kept in ${config.data}/admin-token): ${t.token}\n`)
}
