/**
 * The previous release of Federator, built from its commit for mixed-version and upgrade tests:
 * `git archive` of the commit into `node_modules/.cache/federator-release/<commit>/`, `npm ci
 * --offline` there (every package comes from the npm cache that this checkout's own install filled;
 * nothing is downloaded) and `tsc -b`. Built once per machine; a half-built copy is never used
 * (it is built in a temporary folder and renamed).
 */
import { execFileSync, execSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Version 0.1.0: main before the day-two work (issue 9's "previous release"). */
export const PREVIOUS_RELEASE = { version: '0.1.0', commit: 'dd4a24cb3438cb53396778bbb0611f5c812650b2' }

/** The path of the previous release's CLI (`packages/federator/dist/cli.js`), building it first if needed. */
export function previousReleaseCli (release = PREVIOUS_RELEASE): string {
  const cache = join(REPO, 'node_modules', '.cache', 'federator-release')
  const dir = join(cache, release.commit)
  const cli = join(dir, 'packages', 'federator', 'dist', 'cli.js')
  if (existsSync(join(dir, '.complete'))) return cli
  mkdirSync(cache, { recursive: true })
  const tmp = join(cache, `.build-${process.pid}-${Date.now()}`)
  mkdirSync(tmp)
  try {
    execSync(`git -C ${JSON.stringify(REPO)} archive ${release.commit} | tar -x -C ${JSON.stringify(tmp)}`, { stdio: 'pipe', shell: '/bin/sh' })
    const npm = (args: string[]): void => { execFileSync('npm', args, { cwd: tmp, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } }) }
    try {
      npm(['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'])
    } catch {
      npm(['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'])
    }
    execFileSync(join(tmp, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: tmp, stdio: 'pipe' })
    writeFileSync(join(tmp, '.complete'), release.version + '\n')
    try { renameSync(tmp, dir) } catch (err) { if (!existsSync(join(dir, '.complete'))) throw err }
  } catch (err) {
    const e = err as { stderr?: Buffer, message: string }
    throw new Error(`could not build release ${release.version} (${release.commit}): ${e.message}\n${e.stderr?.toString() ?? ''}`)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return cli
}
