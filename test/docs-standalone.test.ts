/**
 * The docs stand alone: nothing in the repository cites files a user of it
 * does not have (the design brief and Asterisk captures the project started
 * from), and every citation of docs/asterisk-protocol.md names a section that
 * exists. `../shared/asterisk/…` may appear only as a default path (where the
 * Asterisk test suite looks for its tarball, where the schema generator reads
 * its input), never as a reference to read.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
  .split('\n').filter((f) => /\.(md|ts|js|mjs|conf|yaml|json)$/.test(f) && !f.endsWith('package-lock.json') && !f.includes('.bundle-exp-tmp'))
const text = (f: string): string => { try { return readFileSync(join(REPO, f), 'utf8') } catch { return '' } }

/** Lines allowed to name ../shared: default paths, not citations. */
const PATH_ONLY = /ASTERISK_TARBALL_DIR|asterisk-\*\.tar\.xz|tarball|shared\/asterisk\/bin|schema_config\.json/

t.test('no citation of files outside the repository', async (t) => {
  const found: string[] = []
  for (const f of files) {
    if (f === 'test/docs-standalone.test.ts') continue
    text(f).split('\n').forEach((line, i) => {
      if (/OBSERVED(\.md)?\b|REALTIME-HTTP|DESIGN(\.md| §)|HOLEPUNCH\.md|PERFORMANCE-ANCHORS|RUNNING\.md|TOOLCHAIN\.md/.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`)
      else if (/\.\.\/shared\b/.test(line) && !PATH_ONLY.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`)
    })
  }
  t.same(found, [], 'cite docs/ instead')
})

t.test('citations of docs/asterisk-protocol.md name sections it has', async (t) => {
  const doc = text('docs/asterisk-protocol.md')
  const sections = new Set([...doc.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!))
  t.ok(sections.has('4.5') && sections.has('6'), 'the sections are numbered')
  const bad: string[] = []
  let n = 0
  for (const f of files) {
    for (const m of text(f).matchAll(/asterisk-protocol\.md\)?,?\s*(?:\n\s*\*\s*)?((?:§[\d.]+(?:–§?[\d.]+)?(?:, (?:§[\d.]+|chan_sip))*))/g)) {
      for (const s of m[1]!.matchAll(/§([\d.]+)/g)) {
        n++
        if (!sections.has(s[1]!.replace(/\.$/, ''))) bad.push(`${f}: §${s[1]!}`)
      }
    }
  }
  t.ok(n > 20, `the code cites it (${n} section references)`)
  t.same(bad, [], 'every cited section exists')
})
