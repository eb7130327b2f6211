/**
 * Where the real Asterisk for the end-to-end suite comes from.
 *
 * `ASTERISK_PREFIX=/opt/asterisk20` names an unpacked or installed Asterisk (its `sbin/asterisk`,
 * `lib/asterisk/modules`, `var/lib/asterisk`; `ASTERISK_MODDIR` overrides the module folder of a
 * distribution package). Otherwise the first `asterisk-*.tar.xz` in `ASTERISK_TARBALL_DIR` (default
 * `../shared/asterisk/bin` beside the repository) is unpacked once into
 * `node_modules/.cache/federator-asterisk/<sha256 prefix>/` (into a temporary folder first, then
 * renamed, so two test processes never see half an unpack). Nothing is downloaded.
 */
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export interface AsteriskInstall {
  /** folder with sbin/asterisk */
  prefix: string
  binary: string
  moddir: string
  datadir: string
  /** LD_LIBRARY_PATH for the binary (the tarball's private libraries) */
  libdir: string
  /** where it came from, for messages */
  source: string
}

/** The Asterisk to test against, or a one-line reason why there is none. */
export function locateAsterisk (env: NodeJS.ProcessEnv = process.env): AsteriskInstall | { missing: string } {
  const prefix = env.ASTERISK_PREFIX
  if (prefix !== undefined && prefix !== '') return fromPrefix(resolve(prefix), `ASTERISK_PREFIX=${prefix}`, env)
  const dir = resolve(env.ASTERISK_TARBALL_DIR ?? join(REPO, '..', 'shared', 'asterisk', 'bin'))
  if (!existsSync(dir)) return { missing: `no Asterisk: set ASTERISK_PREFIX, or put asterisk-*.tar.xz in ${dir}` }
  const tarball = readdirSync(dir).filter((f) => /^asterisk-.*\.tar\.xz$/.test(f)).sort().at(-1)
  if (tarball === undefined) return { missing: `no Asterisk: no asterisk-*.tar.xz in ${dir} and no ASTERISK_PREFIX` }
  return unpack(join(dir, tarball), env)
}

function fromPrefix (prefix: string, source: string, env: NodeJS.ProcessEnv): AsteriskInstall | { missing: string } {
  const binary = join(prefix, 'sbin', 'asterisk')
  if (!existsSync(binary)) return { missing: `no Asterisk: ${binary} does not exist (${source})` }
  const moddir = env.ASTERISK_MODDIR ?? join(prefix, 'lib', 'asterisk', 'modules')
  if (!existsSync(moddir)) return { missing: `no Asterisk modules in ${moddir} (set ASTERISK_MODDIR)` }
  const datadir = env.ASTERISK_DATADIR ?? join(prefix, 'var', 'lib', 'asterisk')
  return { prefix, binary, moddir, datadir, libdir: join(prefix, 'lib'), source }
}

function unpack (tarball: string, env: NodeJS.ProcessEnv): AsteriskInstall | { missing: string } {
  const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16)
  const cache = resolve(env.ASTERISK_CACHE ?? join(REPO, 'node_modules', '.cache', 'federator-asterisk'))
  const target = join(cache, sha)
  if (!existsSync(join(target, '.complete'))) {
    mkdirSync(cache, { recursive: true })
    const tmp = join(cache, `.unpack-${process.pid}-${Date.now()}`)
    mkdirSync(tmp)
    try {
      execFileSync('tar', ['-xJf', tarball, '-C', tmp], { stdio: 'pipe' })
      execFileSync('touch', [join(tmp, '.complete')])
      try { renameSync(tmp, target) } catch (err) {
        // another process won the race: use its copy
        if (!existsSync(join(target, '.complete'))) throw err
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  const inner = readdirSync(target).find((f) => f.startsWith('asterisk-') && existsSync(join(target, f, 'sbin', 'asterisk')))
  if (inner === undefined) return { missing: `no sbin/asterisk inside ${tarball}` }
  return fromPrefix(join(target, inner), tarball, env)
}

/** `asterisk -V` of an install, e.g. "Asterisk 20.20.1". */
export function asteriskVersion (a: AsteriskInstall): string {
  return execFileSync(a.binary, ['-V'], { env: { ...process.env, LD_LIBRARY_PATH: a.libdir } }).toString().trim()
}
