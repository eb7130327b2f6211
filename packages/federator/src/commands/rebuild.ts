/** `federator rebuild`: rebuild the view of a stopped node from its logs. */
import { Store } from '@federator/store'
import { createLogger } from '../logger.js'
import type { Config } from '../config.js'

export async function rebuildOffline (config: Config): Promise<string> {
  const store = new Store({ dir: config.data, logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), rebuild: true })
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    throw err // FED_ERR_DATA_LOCKED while the node runs
  }
  const hash = store.viewHash()
  const records = ['user', 'device', 'trunk', 'provider', 'route', 'row', 'node'].map((t) => `${t}s ${store.count(t)}`).join(', ')
  await store.close()
  process.stdout.write(`view rebuilt: hash ${hash} (${records})\n`)
  return hash
}
