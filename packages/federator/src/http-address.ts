/**
 * `<data>/http-address`: the URL a running node answers on, written once it
 * listens and removed when it stops cleanly, so the client commands (`status`,
 * `import`, `export`, `conf`, `revoke`, `token`) find the node from `--data`.
 * A node killed without a clean stop leaves the file behind: the client then
 * says that nothing answers at the recorded address (FED_ERR_NODE_UNREACHABLE).
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const HTTP_ADDRESS_FILE = 'http-address'

/** The URL a local client uses for a listening address (a wildcard address → loopback). */
export function clientUrl (host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`
}

export async function writeHttpAddress (dataDir: string, url: string): Promise<void> {
  await writeFile(join(dataDir, HTTP_ADDRESS_FILE), url + '\n', { mode: 0o600 })
}

export async function readHttpAddress (dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, HTTP_ADDRESS_FILE), 'utf8').catch(() => undefined)
  const url = text?.trim()
  return url === undefined || url === '' ? undefined : url
}

export async function removeHttpAddress (dataDir: string): Promise<void> {
  await rm(join(dataDir, HTTP_ADDRESS_FILE), { force: true })
}
