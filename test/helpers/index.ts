/** Shared test helpers: fresh temp dirs inside tap's fixture dir, polling with a deadline. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'

let counter = 0
const roots = new WeakMap<object, string>()

/** A fresh directory inside this test's fixture dir (`t.testdir()` itself wipes the dir on every call). */
export function tmpDir (t: Test, name = 'd'): string {
  let root = roots.get(t)
  if (root === undefined) { root = t.testdir(); roots.set(t, root) }
  const dir = join(root, name + String(counter++))
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Poll `fn` until it is true; throws after `ms` (a deadline against hangs, not a timing assertion). */
export async function until (fn: () => boolean | Promise<boolean>, what: string, ms = 20_000, every = 20): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what)
    await new Promise((resolve) => setTimeout(resolve, every))
  }
}
