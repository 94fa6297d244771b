import type { CliConfig } from '@printforge/config'

/** A CLI command: returns the process exit code. `print` writes one line to stdout. */
export type Command = (args: string[], config: CliConfig, print: (line: string) => void) => Promise<number>

/** A command that runs before any setting exists (a deployment's first step): no config at all. */
export type SetupCommand = (args: string[], print: (line: string) => void) => Promise<number>

/** Wrong arguments: main prints the message and the usage, and exits 2. */
export class UsageError extends Error {}
