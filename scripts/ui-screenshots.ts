/**
 * `npm run screenshots`: a screenshot of each page of the status web UI, saved as docs/ui/<page>.png.
 * Starts a local 3-node cluster (real node processes on 127.0.0.1, stopped at the end), fills it
 * with a few users, devices, trunks and registrations and two conflicts, signs in to node a with
 * headless Chromium (Debian's `chromium`) and takes each page once its data has loaded.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LocalCluster, waitConverged, type ClusterNode } from '../test/helpers/cluster.js'
import { chromiumMissing, launchBrowser, signIn, waitCount } from '../test/helpers/browser.js'
import { makeDeleteConflict, makeNameConflict, registerContact } from '../test/helpers/ui-data.js'

const OUT = fileURLToPath(new URL('../docs/ui/', import.meta.url))

async function seed (cluster: LocalCluster): Promise<void> {
  const [a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  const people = [['alice', 'Alice Martin', '1001'], ['bob', 'Bob Okafor', '1002'], ['carol', 'Carol Nguyen', '1003'], ['dave', 'Dave Schmidt', '1004'], ['erin', 'Erin Rossi', '1005'], ['frank', 'Frank Dubois', '1006']]
  for (const [id, name, ext] of people) {
    await a.put('users', id!, { name, extensions: [ext] })
    await a.put('devices', id!, { user: id, secret: `secret-${id!}-0123` })
  }
  await b.put('trunks', 'carrier-uk', { description: 'UK carrier', host: '192.0.2.10', ips: ['192.0.2.10'] })
  await waitConverged(cluster.nodes)
  const where: Array<[ClusterNode, string]> = [[a, 'alice'], [a, 'bob'], [b, 'carol'], [b, 'dave'], [c, 'erin']]
  for (const [n, d] of where) await registerContact(n, d)
  if (!await makeNameConflict(cluster.nodes, a, b, 'frank')) throw new Error('could not make a conflict')
  if (!await makeDeleteConflict(cluster.nodes, c, b, 'gina')) throw new Error('could not make a delete conflict')
}

async function main (): Promise<void> {
  const missing = chromiumMissing()
  if (missing !== null) throw new Error(missing)
  await mkdir(OUT, { recursive: true })
  const cluster = await LocalCluster.start({ nodes: 3, spec: (i) => ({ name: ['a', 'b', 'c'][i]!, args: ['--sip-address', `127.0.0.${i + 1}:5060`] }) })
  const browser = await launchBrowser()
  try {
    await waitConverged(cluster.nodes)
    await seed(cluster)
    const a = cluster.nodes[0]!
    const { page } = browser
    const shot = async (name: string): Promise<void> => {
      const file = join(OUT, name + '.png')
      await page.screenshot({ path: file, fullPage: true })
      process.stdout.write(file + '\n')
    }
    await page.goto(a.url + '/ui/')
    await page.waitForSelector('#login')
    await shot('login')
    await signIn(page, a.url, cluster.token)
    await waitCount(page, '#nodes-table tr[data-state="alive"]', (n) => n === 3)
    await waitCount(page, '#nodes-table tbody tr', (n) => n === 3, { hasText: 'equal' })
    await shot('nodes')
    await page.click('nav a[data-page="registrations"]')
    await page.waitForSelector('section.node-regs[data-node="c"]')
    await shot('registrations')
    await page.click('nav a[data-page="conflicts"]')
    await page.waitForSelector('.conflict')
    await shot('conflicts')
    await page.click('nav a[data-page="records"]')
    await page.selectOption('#rec-collection', 'users')
    await page.waitForSelector('#rec-table tr[data-id="alice"]')
    await page.click('#rec-table tr[data-id="alice"] a')
    await page.waitForSelector('#rec-detail pre')
    await shot('records')
    await page.click('nav a[data-page="route"]')
    await page.fill('#route-exten', '1003')
    await page.fill('#route-from', 'alice')
    await page.click('#route-form button[type=submit]')
    await page.waitForSelector('#route-why li')
    await shot('route')
  } finally {
    await browser.close()
    await cluster.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(String((err as Error).stack ?? err) + '\n')
  process.exitCode = 1
})
