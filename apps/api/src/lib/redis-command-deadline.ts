import type { Redis } from 'ioredis'

interface PendingCommand {
  isSettled?: boolean
  reject(err: Error): void
  promise: Promise<unknown>
}

/**
 * A per-command deadline that reads the socket before it gives up. ioredis's own `commandTimeout`
 * fires in the timers phase: after our event loop was blocked (a burst of synchronous work on a
 * loaded machine) it runs before the poll phase reads the replies that arrived meanwhile, and a
 * healthy Redis's answers become "Command timed out" (a 503 for every request in flight). Here
 * the deadline waits one setImmediate — after the poll phase — and fails only a command that is
 * still unanswered then. Written by hand: ioredis has no option for it.
 */
export function commandDeadline(client: Redis, ms: number): void {
  const send = client.sendCommand.bind(client)
  client.sendCommand = ((command: PendingCommand, stream?: unknown) => {
    const result = send(command as never, stream as never)
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!command.isSettled) command.reject(new Error('Command timed out'))
      })
    }, ms)
    const clear = () => clearTimeout(timer)
    command.promise.then(clear, clear)
    return result
  }) as typeof client.sendCommand
}
