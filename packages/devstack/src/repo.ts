import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

/** The monorepo root: the nearest folder above `start` whose package.json declares workspaces. */
export function findRepoRoot(start = process.cwd()): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'turbo.json')) && existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no monorepo root above ${start}`)
  }
}

/** Runs the ops CLI (apps/cli) with `env`; rejects with its output when it fails. */
export function runCli(root: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'apps/cli/dist/main.js'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(output.trim()) : reject(new Error(`cli ${args.join(' ')} exited ${code}:\n${output}`)),
    )
  })
}

/** Every file ending in `suffix` under apps/<x>/<folder> and packages/<x>/<folder>, sorted. */
export function findFiles(root: string, folder: string, suffix: string): string[] {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (name.endsWith(suffix)) files.push(full)
    }
  }
  for (const group of ['apps', 'packages']) {
    const groupDir = path.join(root, group)
    if (!existsSync(groupDir)) continue
    for (const workspace of readdirSync(groupDir)) {
      const dir = path.join(groupDir, workspace, folder)
      if (existsSync(dir)) walk(dir)
    }
  }
  return files.sort()
}
