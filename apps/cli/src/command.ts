import type { CliConfig } from '@printforge/config'

/** A CLI command: returns the process exit code. `print` writes one line to stdout. */
export type Command = (args: string[], config: CliConfig, print: (line: string) => void) => Promise<number>

/** Wrong arguments: main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}
