// P9 (BENCHMARKS.md): click → next page painted, in Chromium on loopback.
//
// usage: node p9.mjs BASE_URL [ROUNDS]
// Signs up, then clicks through the header's links (Products, Orders, the cart, Account) ROUNDS
// times. For each click: the time from the click to the first frame painted after the new page
// is in place (the single-page navigation), and to its islands hydrated. For comparison, the
// same tour as full page loads: the new document's first contentful paint. Prints one JSON line.
import { chromium } from '@playwright/test';

const [base, roundsArg] = process.argv.slice(2);
if (!base) {
  console.error('usage: node p9.mjs BASE_URL [ROUNDS]');
  process.exit(2);
}
const rounds = Number(roundsArg || 20);
const tour = [
  ['Orders', '/orders'],
  ['Products', '/products'],
  ['Cart', '/cart'],
  ['Account', '/account'],
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ baseURL: base });
  await page.goto('/register');
  await page.getByLabel('Name').fill('Bench Shopper');
  await page.getByLabel('Email').fill(`p9-${Date.now()}@example.test`);
  await page.getByLabel('Password (at least 8 characters)').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.waitForFunction(() => document.body.dataset.hydrated === 'true');

  const painted = [];
  const hydrated = [];
  for (let round = 0; round < rounds; round++) {
    for (const [name, path] of tour) {
      const [paint, live] = await page.evaluate(async ([name, path]) => {
        const link = linkTo(path);
        if (!link) throw new Error(`no link to ${name}`);
        const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
        const start = performance.now();
        link.click();
        while (location.pathname !== path) await frame();
        await frame();
        const paint = performance.now() - start;
        while (document.body.dataset.hydrated !== 'true') await frame();
        return [paint, performance.now() - start];
        function linkTo(path) {
          return [...document.querySelectorAll('header a')].find((a) => new URL(a.href).pathname === path);
        }
      }, [name, path]);
      painted.push(paint);
      hydrated.push(live);
    }
  }

  // The same tour as full page loads (what every click was before the single-page app).
  const full = [];
  for (let round = 0; round < Math.max(3, Math.floor(rounds / 4)); round++) {
    for (const [, path] of tour) {
      await page.evaluate((path) => {
        const a = [...document.querySelectorAll('header a')].find((a) => new URL(a.href).pathname === path);
        a.setAttribute('data-reload', '');
        a.click();
      }, path);
      await page.waitForURL((url) => url.pathname === path);
      const fcp = await page.evaluate(async () => {
        for (;;) {
          const entry = performance.getEntriesByName('first-contentful-paint')[0];
          if (entry) return entry.startTime;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      full.push(fcp);
      await page.waitForFunction(() => document.body.dataset.hydrated === 'true');
    }
  }

  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
  };
  console.log(JSON.stringify({
    clicks: painted.length,
    painted_p50: pct(painted, 50), painted_p95: pct(painted, 95),
    hydrated_p50: pct(hydrated, 50), hydrated_p95: pct(hydrated, 95),
    full_loads: full.length, full_fcp_p50: pct(full, 50), full_fcp_p95: pct(full, 95),
  }));
} finally {
  await browser.close();
}
