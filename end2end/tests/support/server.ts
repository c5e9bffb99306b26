// Starts the real shop server binary (the one `cargo test` built) for browser tests.
//
// Inputs, all from the environment (scripts/test.sh sets them):
//   SHOP_SERVER_BIN  the server executable
//   SHOP_SITE_ROOT   the site directory the site builder wrote (pkg/, CSS, public assets)
//   TANSU_BIN        the broker binary the server starts as its child ($CARGO_TARGET_DIR/debug/shop-broker)
//
// Every server gets its own free ports and (unless given) its own temporary data directory,
// so tests never touch data/ of a developer's `scripts/run.sh`.
import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export { expect };

/** The staff account every test server is started with (ADMIN_EMAIL / ADMIN_PASSWORD). */
export const STAFF = { email: 'staff@example.test', password: 'staff-password-123' };

export interface StartOptions {
  dataDir?: string;
  port?: number;
  brokerPort?: number;
}

export interface Shop {
  baseURL: string;
  port: number;
  brokerPort: number;
  dataDir: string;
  logFile: string;
  /** SIGTERM, wait for exit; SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** stop(), then start again with the same data directory and ports. */
  restart(): Promise<void>;
  /** The last `lines` lines of the server's log. */
  logTail(lines?: number): string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
// The server is started from the repo root, like scripts/run.sh does.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

// Process groups of every server still running, killed if the test runner exits abruptly.
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

function requireEnv(name: string, what: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: it must name ${what} (scripts/test.sh sets it)`);
  }
  if (!fs.existsSync(value)) {
    throw new Error(`${name}=${value} does not exist: it must name ${what}`);
  }
  return value;
}

/** Free TCP ports on 127.0.0.1, all held open together so they are distinct. */
async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

function tail(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startServer(opts: StartOptions = {}): Promise<Shop> {
  const serverBin = requireEnv('SHOP_SERVER_BIN', 'the server binary (e.g. $CARGO_TARGET_DIR/debug/server)');
  const siteRoot = requireEnv('SHOP_SITE_ROOT', "the site root the site builder writes (target/site)");
  const tansuBin = requireEnv('TANSU_BIN', 'the broker binary (e.g. $CARGO_TARGET_DIR/debug/shop-broker)');

  const needed = (opts.port === undefined ? 1 : 0) + (opts.brokerPort === undefined ? 1 : 0);
  const picked = await freePorts(needed);
  const port = opts.port ?? picked.shift()!;
  const brokerPort = opts.brokerPort ?? picked.shift()!;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shop-e2e-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'server.log');
  const baseURL = `http://127.0.0.1:${port}`;

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LEPTOS_WATCH; // no live-reload script in the page
  Object.assign(env, {
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: siteRoot,
    LEPTOS_OUTPUT_NAME: 'shop',
    LEPTOS_SITE_PKG_DIR: 'pkg',
    DATA_DIR: dataDir,
    EMBEDDED_BROKER_ADDR: `127.0.0.1:${brokerPort}`,
    TANSU_BIN: tansuBin,
    BCRYPT_COST: '4', // fast password hashing in tests
    ADMIN_EMAIL: STAFF.email,
    ADMIN_PASSWORD: STAFF.password,
    RUST_LOG: 'info',
  });

  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const fd = fs.openSync(logFile, 'a'); // append: a restart keeps the earlier log
    fs.writeSync(fd, `\n=== starting ${serverBin} on ${baseURL} at ${new Date().toISOString()}\n`);
    // detached: the server leads its own process group, so its broker child can be cleaned
    // up with it even if the server dies without doing so.
    const proc = spawn(serverBin, [], { cwd: REPO_ROOT, env, stdio: ['ignore', fd, fd], detached: true });
    fs.closeSync(fd);
    child = proc;
    if (proc.pid !== undefined) liveGroups.add(proc.pid);
    let spawnError: Error | undefined;
    proc.once('error', (err) => (spawnError = err));

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot start ${serverBin}: ${spawnError.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        liveGroups.delete(proc.pid!);
        throw new Error(
          `server exited (code ${proc.exitCode}, signal ${proc.signalCode}) before /readyz answered; ` +
            `last 40 lines of ${logFile}:\n${tail(logFile, 40)}`,
        );
      }
      try {
        const res = await fetch(`${baseURL}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        lastProblem = `/readyz answered ${res.status}`;
      } catch (err) {
        lastProblem = (err as Error).message;
      }
      await sleep(200);
    }
    await stop();
    throw new Error(
      `server not ready within ${READY_TIMEOUT_MS / 1000} s (${lastProblem}); ` +
        `last 40 lines of ${logFile}:\n${tail(logFile, 40)}`,
    );
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.pid === undefined) return;
    const pgid = proc.pid;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      if (!(await waitForExit(proc, STOP_GRACE_MS))) {
        fs.appendFileSync(logFile, `\n=== no exit ${STOP_GRACE_MS / 1000} s after SIGTERM: SIGKILL\n`);
        killGroup(pgid, 'SIGKILL');
        await waitForExit(proc, 5_000);
      }
    }
    // A broker left behind would hold the broker port and break restart().
    if (killGroup(pgid, 'SIGKILL')) {
      fs.appendFileSync(logFile, '\n=== processes left in the server process group after exit: killed\n');
    }
    liveGroups.delete(pgid);
  }

  async function restart(): Promise<void> {
    await stop();
    await start();
  }

  await start();
  return {
    baseURL,
    port,
    brokerPort,
    dataDir,
    logFile,
    stop,
    restart,
    logTail: (lines = 40) => tail(logFile, lines),
  };
}

/**
 * `shop`: one server per Playwright worker (workers: 1, so one per run), with its own data
 * directory. Tests that stop it must restart() it before they end. `baseURL` is set from it,
 * so `page.goto('/')` works.
 */
export const test = base.extend<{}, { shop: Shop }>({
  shop: [
    async ({}, use) => {
      const shop = await startServer();
      try {
        await use(shop);
      } finally {
        await shop.stop();
      }
    },
    // Start-up (migrations, broker) plus stop get their own budget, not a test's.
    { scope: 'worker', timeout: READY_TIMEOUT_MS + 2 * STOP_GRACE_MS + 10_000 },
  ],
  baseURL: async ({ shop }, use) => {
    await use(shop.baseURL);
  },
  // An uncaught error in a page (a panic in an island, say) fails the test even when what the
  // test looks at still happens to be on screen: the islands after it never woke up.
  context: async ({ context }, use) => {
    const errors: string[] = [];
    context.on('weberror', (e) => errors.push(`${e.page()?.url()}: ${e.error().message}`));
    await use(context);
    expect(errors, 'errors thrown in the pages of this test').toEqual([]);
  },
});
