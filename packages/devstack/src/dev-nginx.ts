// `npm run dev`'s nginx: the console served exactly as in production (the same template and the
// same API routes snippet), on plain HTTP at 127.0.0.1, in front of the local API.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { renderConsoleTemplate, type ConsoleTemplateValues } from './console-template.js'

export const NGINX_BINARY = '/usr/sbin/nginx'

export interface DevNginxOptions {
  root: string
  port: number
  apiPort: number
  console: ConsoleTemplateValues
  log?: (line: string) => void
}

export interface RunningDevNginx {
  url: string
  stop(): Promise<void>
}

/** The dev server block: what conf.d/printforge.conf is in production, minus TLS and HSTS. */
function devConfig(dir: string, options: DevNginxOptions): string {
  // As root the master drops its workers to `nobody` unless told otherwise, and nobody may not be
  // able to read a checkout under /root: the workers run as the user running npm run dev, like
  // the API and the worker. (Not root: the directive would only earn a warning, so it is left out.)
  const user = process.getuid?.() === 0 ? `user ${os.userInfo().username};\n` : ''
  return `# Written by npm run dev (packages/devstack/src/dev-nginx.ts); removed when it stops.
${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  server_tokens off;
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${options.port};
    # Plain HTTP on loopback: no HSTS (browsers ignore it over HTTP anyway).
    set $printforge_hsts "";
    set $printforge_api http://127.0.0.1:${options.apiPort};
    client_max_body_size 64k;
    include snippets/printforge-routes.conf;
    include ${dir}/printforge-console.conf;
  }
}
`
}

/** Starts Debian's nginx with its own prefix, pid and temp files in a temporary folder. */
export async function startDevNginx(options: DevNginxOptions): Promise<RunningDevNginx> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx is not installed (${NGINX_BINARY}): apt-get install nginx-light (npm run dev installs it when run as root)`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'printforge-nginx-'))
  const cleanup = () => rmSync(dir, { recursive: true, force: true })
  try {
    const template = readFileSync(path.join(options.root, 'nginx/templates/printforge-console.conf.template'), 'utf8')
    writeFileSync(path.join(dir, 'printforge-console.conf'), renderConsoleTemplate(template, options.console))
    // Relative includes resolve against nginx.conf's folder, as /etc/nginx/snippets does in production.
    symlinkSync(path.join(options.root, 'nginx/snippets'), path.join(dir, 'snippets'))
    const conf = path.join(dir, 'nginx.conf')
    writeFileSync(conf, devConfig(dir, options))
    const check = spawnSync(NGINX_BINARY, ['-t', '-q', '-p', dir, '-c', conf], { encoding: 'utf8' })
    if (check.status !== 0) throw new Error(`nginx refused the dev configuration:\n${check.stderr}`)
    // Its own process group: stop() signals the master and, if it must, every worker with it.
    const child = spawn(NGINX_BINARY, ['-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const signal = (name: NodeJS.Signals, group = false) => {
      try {
        process.kill(group ? -(child.pid as number) : (child.pid as number), name)
      } catch {
        // already gone
      }
    }
    const forward = (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((line) => (options.log ? options.log(line) : console.error(`nginx: ${line}`)))
    child.stdout.on('data', forward)
    child.stderr.on('data', forward)
    // Detached, so it would outlive us if we exited without stop() (an uncaught error, a test
    // runner's forced exit): take its group down synchronously on the way out.
    const onExit = () => signal('SIGKILL', true)
    process.once('exit', onExit)
    const url = `http://127.0.0.1:${options.port}`
    const stop = async () => {
      process.removeListener('exit', onExit)
      // SIGTERM: a fast shutdown (a graceful one would wait for open /live streams); after 5 s
      // the whole group is killed.
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => signal('SIGKILL', true), 5_000)
        child.once('exit', () => (clearTimeout(timer), resolve()))
        signal('SIGTERM')
      })
      signal('SIGKILL', true)
      cleanup()
    }
    const deadline = Date.now() + 10_000
    for (;;) {
      if (child.exitCode !== null) {
        cleanup()
        throw new Error(`nginx exited with code ${child.exitCode} at start (port ${options.port} taken?)`)
      }
      if (await fetch(`${url}/console/config.json`).then((r) => r.ok, () => false)) break
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`nginx did not answer on ${url} within 10 s`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    return { url, stop }
  } catch (err) {
    cleanup()
    throw err
  }
}
