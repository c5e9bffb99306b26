import { defineConfig } from '@playwright/test';

// Each test file starts the real server binary itself (tests/support/server.ts), so there is
// no `webServer` here and no baseURL: tests use the `shop` fixture's baseURL.
// Browsers cannot be downloaded on our machines: use Debian's chromium.
export default defineConfig({
  testDir: './tests',
  // One server + one browser at a time: the machines have 2 cores.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  reporter: 'list',
  use: {
    headless: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', // we run as root
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking', // no traffic to the internet
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
