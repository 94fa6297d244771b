// Debian's Chromium driven by playwright-core: no browser download, the same binary CI installs
// with apt (scripts/bootstrap.mjs).
import { chromium, type Browser } from 'playwright-core'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      // Chromium refuses to start its sandbox as root (CI and these machines run as root).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      // Containers give /dev/shm 64 MiB; Chromium then crashes tabs under load.
      '--disable-dev-shm-usage',
    ],
  })
}
