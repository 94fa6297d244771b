// CPU time of processes from /proc (Linux), so a benchmark can say which process spent the time.
// Shared by the benchmarks (apps/api/bench, apps/worker/bench) through @printforge/devstack.
import { readdirSync, readFileSync } from 'node:fs'

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100

/** utime + stime of one process, in milliseconds; 0 once it is gone. */
function cpuMsOf(pid: number): number {
  try {
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
  } catch {
    return 0
  }
}

/** Pids whose command name (/proc/<pid>/comm) is `name`, e.g. every `postgres` backend. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry))
    } catch {
      // exited while listing
    }
  }
  return pids
}

/** `pid` and its descendants (a uvicorn supervisor and its workers), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim()
        if (children !== '') tree.push(...children.split(' ').map(Number))
      }
    } catch {
      // exited while listing
    }
  }
  return tree
}

/** CPU spent by groups of processes between `start()` and `stop()`, in milliseconds per group. */
/**
 * A server of this stack by its command name and port, with its children (PostgreSQL's postmaster and
 * backends): not the same server of another checkout's stack running on the same machine. Matches a
 * `-p <port>` argument (postgres) or an argument ending in `:<port>` (redis-server's title).
 */
export function serverOn(name: string, port: number): () => number[] {
  const main = pidsNamed(name).find((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
      return args.some((arg, i) => (arg === '-p' && args[i + 1] === String(port)) || arg.endsWith(`:${port}`))
    } catch {
      return false
    }
  })
  if (main === undefined) throw new Error(`no ${name} process listens on port ${port}`)
  return () => processTree(main)
}

export function cpuMeter(groups: Record<string, () => number[]>) {
  const begin = new Map<number, number>()
  const members = () => Object.values(groups).flatMap((g) => g())
  return {
    start() {
      for (const pid of members()) begin.set(pid, cpuMsOf(pid))
    },
    stop(): Record<string, number> {
      const spent: Record<string, number> = {}
      for (const [group, pids] of Object.entries(groups)) {
        // Processes that started during the window (a new postgres backend) count from zero.
        spent[group] = pids().reduce((sum, pid) => sum + cpuMsOf(pid) - (begin.get(pid) ?? 0), 0)
      }
      return spent
    },
  }
}
