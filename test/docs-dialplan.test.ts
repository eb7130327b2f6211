/**
 * docs/asterisk.md and examples/asterisk/ cannot drift apart on the hand-written dialplan: the
 * `[fed-route]` subroutine of "Writing it yourself: PJSIP" is in examples/asterisk/pjsip/extensions.conf
 * verbatim, and with the request line of "Writing it yourself: chan_sip" in
 * examples/asterisk/chan_sip/extensions.conf; the `exten` lines that call it are in both, in
 * `[from-internal-curl]`; README.md shows the PJSIP block as it is. The examples are what
 * test/asterisk/dialplan.test.ts runs on a real Asterisk.
 * (Both use the node's default URL, http://127.0.0.1:7280; the suite rewrites it per instance.)
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const read = (p: string): string => readFileSync(fileURLToPath(new URL(`../${p}`, import.meta.url)), 'utf8')

/** The first fenced block after a heading line. */
function blockAfter (md: string, heading: string): string {
  const at = md.indexOf(`\n${heading}\n`)
  if (at < 0) throw new Error(`no heading ${heading}`)
  const m = /\n```[a-z]*\n([\s\S]*?)\n```\n/.exec(md.slice(at))
  if (m === null) throw new Error(`no code block after ${heading}`)
  return m[1]!
}

/** From the `[fed-route]` line to the end of the block. */
function fedRoute (block: string): string {
  const at = block.search(/^\[fed-route\]/m)
  if (at < 0) throw new Error('no [fed-route] in the block')
  return block.slice(at)
}

/** The lines of a context, from its `[name]` line to the next context. */
function context (conf: string, name: string): string {
  const at = conf.indexOf(`\n[${name}]`)
  if (at < 0) return ''
  const next = conf.slice(at + 1).search(/\n\[/)
  return next < 0 ? conf.slice(at + 1) : conf.slice(at + 1, at + 1 + next)
}

const docs = read('docs/asterisk.md')
const pjsipBlock = blockAfter(docs, '### Writing it yourself: PJSIP')
const sipBlock = blockAfter(docs, '### Writing it yourself: chan_sip')
const requestLine = /^ same => n,Set\(R=\$\{CURL\(.*$/m

t.test('the docs hold what the test compares', async (t) => {
  t.match(pjsipBlock, /^\[fed-route\]/m, 'PJSIP: a [fed-route] block')
  t.match(pjsipBlock, requestLine, 'PJSIP: its request line')
  t.match(sipBlock, requestLine, 'chan_sip: a request line')
  t.match(sipBlock.match(requestLine)![0], /tech=sip&from=\$\{URIENCODE\(\$\{CHANNEL\(peername\)\}\)\}/, 'chan_sip: tech=sip, the peer name for from')
})

t.test('examples/asterisk/pjsip/extensions.conf has the docs\' [fed-route] verbatim', async (t) => {
  const example = read('examples/asterisk/pjsip/extensions.conf')
  t.ok(example.includes(fedRoute(pjsipBlock)), 'the [fed-route] block')
  for (const line of pjsipBlock.split('\n').filter((l) => l.startsWith('exten => _'))) {
    t.ok(context(example, 'from-internal-curl').includes(`\n${line}\n`), `[from-internal-curl]: ${line}`)
  }
})

t.test('examples/asterisk/chan_sip/extensions.conf has it with the chan_sip request line', async (t) => {
  const example = read('examples/asterisk/chan_sip/extensions.conf')
  const expected = fedRoute(pjsipBlock).replace(requestLine, sipBlock.match(requestLine)![0])
  t.not(expected, fedRoute(pjsipBlock), 'the request line differs between the stacks')
  t.ok(example.includes(expected), 'the [fed-route] block')
  for (const line of pjsipBlock.split('\n').filter((l) => l.startsWith('exten => _'))) {
    t.ok(context(example, 'from-internal-curl').includes(`\n${line}\n`), `[from-internal-curl]: ${line}`)
  }
})

t.test('README.md shows the docs\' PJSIP block verbatim (status check, ClearHash, failover)', async (t) => {
  const readme = read('README.md')
  t.equal(blockAfter(readme, '## Asterisk'), pjsipBlock, 'the first code block under "## Asterisk"')
  t.match(pjsipBlock, /ClearHash\(route\)/)
  t.match(pjsipBlock, /HASH\(route,status\)/)
  t.match(pjsipBlock, /HASH\(route,dial2\)/)
})
