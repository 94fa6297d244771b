import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type * as EngineBindings from '@prisma/schema-engine-wasm/schema_engine_bg'
import type { SchemaEngine as SchemaEngineClass } from '@prisma/schema-engine-wasm/schema_engine_bg'

type Bindings = typeof EngineBindings
export type SchemaEngine = SchemaEngineClass

let bindings: Promise<Bindings> | undefined

// @types/node 20 does not declare the WebAssembly global; this is the part we use.
interface WasmGlobal {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmGlobal }

/**
 * Prisma's schema engine compiled to WebAssembly. The Prisma CLI would download a native engine
 * from Prisma's binary host on first use, which offline machines cannot reach; this build ships
 * inside the npm package. Its ESM entry imports the .wasm file directly, which Node 20 cannot do,
 * so we instantiate the module ourselves with the generated JS glue as its import object.
 */
export function loadSchemaEngineBindings(): Promise<Bindings> {
  bindings ??= (async () => {
    const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as Bindings & {
      __wbg_set_wasm(exports: Record<string, unknown>): void
    }
    const wasmPath = createRequire(import.meta.url)
      .resolve('@prisma/schema-engine-wasm/schema_engine_bg')
      .replace(/\.js$/, '.wasm')
    const { instance } = await wasm.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': glue,
    })
    glue.__wbg_set_wasm(instance.exports)
    ;(instance.exports['__wbindgen_start'] as (() => void) | undefined)?.()
    // The engine reports Rust panics through this global; without it a panic is an opaque trap.
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } }
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        process.stderr.write(`prisma schema engine panic: ${message}\n`)
      },
    }
    return glue
  })()
  return bindings
}
