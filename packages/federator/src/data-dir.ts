/**
 * The data directory holds secrets: the log and the view carry device and
 * trunk passwords and voicemail PINs, next to the admin token, the cluster
 * join string and the node's key pairs. It is kept private to its user:
 * directories 0700, files 0600. The CLI sets the process umask to 077 so
 * that whatever RocksDB and LevelDB create later is private too;
 * tightenDataDir() fixes what already exists (a directory made by an older
 * version, or by a process without that umask).
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

/** Create the directory (0700) if missing, then set every directory under it to 0700 and every file to 0600. Returns the number of modes changed. */
export async function tightenDataDir (dir: string): Promise<number> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE })
  return await tighten(dir)
}

async function tighten (path: string): Promise<number> {
  let st
  try { st = await lstat(path) } catch { return 0 } // gone meanwhile (a LevelDB log rotated away)
  if (st.isSymbolicLink()) return 0
  let changed = 0
  const want = st.isDirectory() ? DIR_MODE : FILE_MODE
  if ((st.mode & 0o777) !== want) {
    await chmod(path, want).catch(() => {})
    changed++
  }
  if (st.isDirectory()) {
    for (const name of await readdir(path).catch(() => [] as string[])) changed += await tighten(join(path, name))
  }
  return changed
}
