/**
 * Sound prompts for applications that talk to the caller. The Asterisk under test ships without
 * sounds, and an application such as VoicemailMain gives up when a prompt cannot be opened
 * (`ast_play_and_wait()` answers -1, read as a hang-up). `promptDatadir()` makes a data directory
 * for an instance (`datadir` option): the install's own entries linked one by one, plus a `sounds/`
 * folder holding each named prompt as 100 ms of µ-law silence. A DTMF digit still interrupts a
 * prompt, so a caller driven by `SendDTMF` walks the menus as a person would.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Test } from 'tap'
import type { AsteriskInstall } from './locate.js'

/** 100 ms at 8 kHz: µ-law silence is 0xFF */
const SILENCE = Buffer.alloc(800, 0xff)

/** A data directory with `names` (e.g. `vm-password`, `digits/1`) as silent prompts; removed at teardown. */
export function promptDatadir (t: Test, install: AsteriskInstall, names: Iterable<string>): string {
  const dir = mkdtempSync('/tmp/astdata-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const entry of readdirSync(install.datadir)) {
    if (entry !== 'sounds') symlinkSync(join(install.datadir, entry), join(dir, entry))
  }
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(name)) throw new Error(`bad prompt name ${name}`)
    for (const lang of ['en', '']) {
      const file = join(dir, 'sounds', lang, `${name}.ulaw`)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, SILENCE)
    }
  }
  return dir
}
