// Takes the README's screenshots from a running shop in headless Chromium.
//   node end2end/screenshots.mjs http://127.0.0.1:3000 STAFF_EMAIL STAFF_PASSWORD
// Creates a shopper, places two orders, lets staff move one, restock a product the shopper asked
// about, note and ship an order, register a webhook, and writes PNGs to end2end/screenshots/.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const [base = 'http://127.0.0.1:3000', staffEmail, staffPassword] = process.argv.slice(2);
if (!staffEmail || !staffPassword) {
  console.error('usage: node end2end/screenshots.mjs BASE_URL STAFF_EMAIL STAFF_PASSWORD');
  process.exit(2);
}
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const viewport = { width: 1280, height: 860 };
const hydrated = (p) => p.waitForFunction(() => document.body.dataset.hydrated === 'true');
const shot = (p, name) => p.screenshot({ path: path.join(out, name) });

const shopper = await (await browser.newContext({ baseURL: base, viewport })).newPage();
await shopper.goto('/register');
await hydrated(shopper);
await shopper.getByLabel('Name').fill('Ada Lovelace');
await shopper.getByLabel('Email').fill(`ada-${Date.now()}@example.com`);
await shopper.getByLabel('Password (at least 8 characters)').fill('correct-horse-battery');
await shopper.getByRole('button', { name: 'Create account' }).click();
await shopper.waitForURL((u) => u.pathname === '/');
await hydrated(shopper);
await shot(shopper, 'catalog.png');

async function order(products) {
  await shopper.goto('/');
  await hydrated(shopper);
  for (const p of products) await shopper.getByRole('button', { name: `Add to cart: ${p}` }).click();
  await shopper.goto('/checkout');
  await hydrated(shopper);
  for (const [label, value] of [['First name', 'Ada'], ['Last name', 'Lovelace'], ['Email', 'ada@example.com'], ['Address', '12 Analytical Way'], ['City', 'New York'], ['State', 'NY'], ['ZIP', '10001']]) {
    await shopper.getByLabel(label).fill(value);
  }
  await shopper.getByRole('button', { name: 'Continue to review' }).click();
  await shopper.getByTestId('review-total').waitFor();
  return async () => {
    await shopper.getByRole('button', { name: 'Place order' }).click();
    await shopper.waitForURL(/\/orders\//);
  };
}
const place1 = await order(['Aurora Wireless Headphones', 'Ridge Ceramic Mug']);
await shot(shopper, 'checkout.png');
await place1();
await (await order(['Orbit Smart Watch']))();

const staffPage = await (await browser.newContext({ baseURL: base, viewport, colorScheme: 'dark' })).newPage();
await staffPage.goto('/login');
await hydrated(staffPage);
await staffPage.getByLabel('Email').fill(staffEmail);
await staffPage.getByLabel('Password').fill(staffPassword);
await staffPage.getByRole('button', { name: 'Sign in' }).click();
await staffPage.waitForURL((u) => u.pathname === '/');
await staffPage.goto('/staff');
await hydrated(staffPage);
await staffPage.locator('[data-testid=order-card]').first().waitFor();

await shopper.goto('/orders');
await hydrated(shopper);
await shopper.getByTestId('connection-status').first().waitFor();
const first = staffPage.locator('[data-testid=order-card]').first();
const firstId = await first.getAttribute('data-order-id');
await first.getByRole('button', { name: /^Mark processing/ }).click();
await shopper.getByText(/is now Processing/).waitFor();
// The badge changes with the event; the filter counts follow after a fetch of their own.
await shopper.locator('[data-testid=order-card] [data-testid=status-badge]', { hasText: 'Processing' }).waitFor();
await shopper.getByTestId('status-filter').getByText('Processing (1)').waitFor();
await shot(shopper, 'orders-live.png');
await staffPage.evaluate(() => window.scrollTo(0, 0));
await staffPage.waitForTimeout(300);
await shot(staffPage, 'staff-dashboard.png');

// The staff catalog: the table, and a product's page with its stock form, in light mode.
const catalogPage = await (await browser.newContext({ baseURL: base, viewport })).newPage();
await catalogPage.request.post('/api/login', { form: { email: staffEmail, password: staffPassword } });
await catalogPage.goto('/staff/products');
await hydrated(catalogPage);
await shot(catalogPage, 'staff-products.png');
await catalogPage.goto('/staff/products/nimbus-speaker');
await hydrated(catalogPage);
await catalogPage.getByLabel('Units', { exact: true }).fill('12');
await catalogPage.getByRole('button', { name: 'Update stock' }).click();
await catalogPage.getByTestId('saved-notice').waitFor();
await shot(catalogPage, 'staff-product.png');

// "Notify me" on a sold-out product, then the notifications page once staff restocked it.
const stock = (action, quantity) =>
  catalogPage.request.post('/api/change_stock', { form: { id: 'brew-kettle', action, quantity, reason: 'count_correction' } });
await stock('set', '0');
await shopper.goto('/products/brew-kettle');
await hydrated(shopper);
await shopper.getByRole('button', { name: "Notify me when it's back" }).click();
await shopper.getByTestId('restock-watching').waitFor();
await shot(shopper, 'notify-me.png');
await stock('add', '3');
await shopper.getByTestId('toast').filter({ hasText: 'is back in stock' }).waitFor();
await shopper.getByTestId('notification-bell').click();
await shopper.getByTestId('notification-list').waitFor();
await hydrated(shopper);
await shot(shopper, 'notifications.png');

// Who did what: staff write a note on the first order and ship it; staff's view of its timeline
// (names, the note, each entry's place in the log), then the event log with its health.
await catalogPage.goto(`/orders/${firstId}`);
await hydrated(catalogPage);
await catalogPage.getByLabel('Internal note (staff only)').fill('Gift: wrap it, and no invoice in the box.');
await catalogPage.getByRole('button', { name: 'Add note' }).click();
await catalogPage.locator('[data-testid=timeline-entry][data-note=true]').waitFor();
await catalogPage.getByRole('button', { name: /^Mark shipped/ }).click();
await catalogPage.getByTestId('timeline').getByText(/^Shipped by/).waitFor();
await catalogPage.getByTestId('log-position').filter({ hasText: /offset \d+/ }).nth(3).waitFor();
await shot(catalogPage, 'order-timeline.png');
await catalogPage.goto('/staff/events');
await hydrated(catalogPage);
await catalogPage.getByTestId('event-row').first().locator('summary').click();
await shot(catalogPage, 'event-log.png');

// Webhooks: a receiver on this machine (the shop runs in development), registered by staff; it
// refuses its second request, so the page shows a delivery waiting for its retry.
let calls = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    calls += 1;
    res.writeHead(calls === 2 ? 503 : 200).end();
  });
});
await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
await catalogPage.goto('/staff/webhooks');
await hydrated(catalogPage);
const register = catalogPage.getByRole('form', { name: 'Register a webhook' });
await register.getByLabel('URL').fill(`http://127.0.0.1:${receiver.address().port}/shop-events`);
await register.getByLabel('Events').fill('order.*, product.stock_changed');
await register.getByLabel('What it is for (optional)').fill('Warehouse system');
await register.getByRole('button', { name: 'Register' }).click();
await catalogPage.getByTestId('saved-notice').waitFor();
for (const stock of [{ id: 'ridge-mug', quantity: '12' }, { id: 'canvas-notebook', quantity: '30' }, { id: 'orbit-watch', quantity: '4' }]) {
  await catalogPage.request.post('/api/change_stock', { form: { ...stock, action: 'add', reason: 'received' } });
}
while (calls < 3) await new Promise((ok) => setTimeout(ok, 100));
await catalogPage.goto('/staff/webhooks');
await hydrated(catalogPage);
await shot(catalogPage, 'webhooks.png');
receiver.close();
await browser.close();
console.log(`screenshots written to ${out}`);
