import { readFileSync, statSync } from 'node:fs'
import type { TSchema } from 'typebox'
import type { ConfigProblem, Env } from './load.js'
import { secretKindOf } from './secret.js'

/**
 * Marks a variable that is no secret but may still come from a file: an identifier that a
 * deployment generates into a secret file together with its secret (a bundled MinIO's access key
 * id). Everything else that is no secret has no `_FILE` form.
 */
export const FILE_KEYWORD = 'x-file'

/** Far above any value we take; keeps a mistyped path such as a log file or /dev/zero out. */
const MAX_FILE_BYTES = 64 * 1024

export const fileVariable = (variable: string) => `${variable}_FILE`

/** Whether `NAME_FILE` is accepted for this variable: secrets, and what opted in (default deny). */
function acceptsFile(schema: TSchema): boolean {
  return secretKindOf(schema) !== undefined || (schema as Record<string, unknown>)[FILE_KEYWORD] === true
}

export interface SettingFiles {
  /** Trimmed content of each file that was read, by the variable it stands for. */
  values: Record<string, string>
  problems: ConfigProblem[]
}

/**
 * Docker's convention for compose `secrets:`: `NAME_FILE=/run/secrets/x` stands for `NAME` set to
 * that file's content, so a secret never sits in the environment (`docker inspect`,
 * /proc/<pid>/environ). The content is trimmed; setting both forms is an error, never a silent
 * choice. The value read goes through the same checks as `NAME` would (loadConfig does that).
 * Problems name the variable and the path, never the content.
 */
export function readSettingFiles(properties: Record<string, TSchema>, env: Env): SettingFiles {
  const values: Record<string, string> = {}
  const problems: ConfigProblem[] = []
  for (const [name, schema] of Object.entries(properties)) {
    const fileName = fileVariable(name)
    const path = env[fileName]?.trim()
    if (!path) continue
    if (!acceptsFile(schema)) {
      problems.push({ variable: fileName, problem: `is not supported: only secrets are read from files; set ${name} instead` })
      continue
    }
    if (env[name]?.trim()) {
      problems.push({ variable: name, problem: `and ${fileName} are both set; set only one` })
      continue
    }
    const read = readSettingFile(path)
    if ('problem' in read) problems.push({ variable: fileName, problem: read.problem })
    else values[name] = read.value
  }
  return { values, problems }
}

function readSettingFile(path: string): { value: string } | { problem: string } {
  const shown = JSON.stringify(path)
  try {
    const stat = statSync(path)
    if (!stat.isFile()) return { problem: `names ${shown}, which is not a regular file` }
    if (stat.size > MAX_FILE_BYTES) return { problem: `names a file larger than ${MAX_FILE_BYTES} bytes: ${shown}` }
    const value = readFileSync(path, 'utf8').trim()
    if (value === '') return { problem: `names an empty file: ${shown}` }
    // A second line is a mistake (two keys one per line would silently merge into one bad key).
    if (/[\r\n]/.test(value)) return { problem: `names a file of more than one line: ${shown}; put the value on one line` }
    return { value }
  } catch (err) {
    // The code only (ENOENT, EACCES…): the path is already named, and nothing of the content is.
    return { problem: `names a file that cannot be read: ${shown} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }
  }
}
