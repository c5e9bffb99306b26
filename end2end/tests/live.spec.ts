import { test, expect, STAFF } from './support/server';
import { checkOut, signUp, uniqueEmail, waitForHydration } from './support/flows';

test('an order placed in one tab appears live in the other, across a server restart', async ({ browser, page, context, shop }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail('live'));

  const watcher = await context.newPage();
  await watcher.goto('/orders');
  await waitForHydration(watcher);
  const status = watcher.getByTestId('connection-status').first();
  await expect(status).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  let reloads = 0;
  watcher.on('load', () => (reloads += 1));

  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add to cart: Glide Ergonomic Mouse' }).click();
  const first = await checkOut(page);
  await expect(watcher.locator(`[data-order-id="${first}"]`)).toBeVisible({ timeout: 5_000 });
  await expect(watcher.getByTestId('status-filter')).toContainText('Pending (1)');
  await expect(watcher.getByTestId('toast').first()).toContainText('placed');

  // The server goes away: the indicator says so, then comes back Live by itself.
  await shop.stop();
  await expect(status).toHaveAttribute('data-state', /reconnecting|offline/, { timeout: 15_000 });
  await shop.restart();

  // An order placed right after the restart, before or after the watcher reconnects, shows up.
  const placed = await page.request.post('/api/place_order', {
    form: {
      first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
      city: 'New York', state: 'NY', zip: '10001', cart: 'canvas-notebook:1', idempotency_key: `e2e${Date.now()}`,
    },
  });
  expect(placed.status()).toBe(200);
  const second = (await placed.json()).order.id as string;
  await expect(status).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
  await expect(watcher.locator(`[data-order-id="${second}"]`)).toBeVisible({ timeout: 10_000 });
  await expect(watcher.locator('[data-testid=order-card]').first()).toHaveAttribute('data-order-id', second);

  // The reconnect's resync refetched the list. The card of the first order was on the page
  // before it; a status change after the refetch must still show on that card.
  const staffContext = await browser.newContext({ baseURL: new URL(watcher.url()).origin });
  expect((await staffContext.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const before = await (await staffContext.request.post('/api/order', { form: { id: first } })).json();
  const moved = await staffContext.request.post('/api/change_status', { form: { id: first, status: 'PROCESSING', version: String(before.order.version) } });
  expect(moved.status(), await moved.text()).toBe(200);
  const firstCard = watcher.locator(`[data-order-id="${first}"]`);
  await expect(watcher.getByTestId('toast').filter({ hasText: 'is now Processing' })).toBeVisible({ timeout: 5_000 });
  await expect(firstCard.getByTestId('status-badge')).toHaveText('Processing');
  await expect(watcher.getByTestId('status-filter')).toContainText('Processing (1)');
  await staffContext.close();
  expect(reloads).toBe(0);
});

test('the staff feed shows a new order live; staff move it and the shopper sees it in place', async ({ browser, page }) => {
  await signUp(page, uniqueEmail('owner'));

  const staffContext = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const staff = await staffContext.newPage();
  await staff.goto('/login');
  await waitForHydration(staff);
  await staff.getByLabel('Email').fill(STAFF.email);
  await staff.getByLabel('Password').fill(STAFF.password);
  await staff.getByRole('button', { name: 'Sign in' }).click();
  await staff.waitForURL((url) => url.pathname === '/');
  await staff.goto('/staff');
  await waitForHydration(staff);
  await expect(staff.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const ordersBefore = Number(await staff.getByTestId('figure-orders').textContent());
  const chartBefore = Number(await staff.getByTestId('orders-chart').getAttribute('data-total'));

  // A shopper orders: it arrives on the staff page without reload, figures and chart move.
  await page.getByRole('button', { name: 'Add to cart: Nimbus Bluetooth Speaker' }).click();
  const id = await checkOut(page);
  const card = staff.locator(`[data-order-id="${id}"]`);
  await expect(card).toBeVisible({ timeout: 5_000 });
  await expect(staff.locator('[data-testid=order-card]').first()).toHaveAttribute('data-order-id', id);
  await expect(staff.getByTestId('figure-orders')).toHaveText(String(ordersBefore + 1));
  await expect(staff.getByTestId('orders-chart')).toHaveAttribute('data-total', String(chartBefore + 1));

  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const short = id.slice(-6);
  await card.getByRole('button', { name: `Mark processing, order #${short}` }).click();
  await expect(card.getByTestId('status-badge')).toHaveText('Processing');
  await card.getByRole('button', { name: `Mark shipped, order #${short}` }).click();
  await expect(card.getByTestId('status-badge')).toHaveText('Shipped');

  // The shopper's order page changed in place.
  await expect(page.getByTestId('status-badge')).toHaveText('Shipped', { timeout: 5_000 });
  await expect(page.getByTestId('timeline')).toContainText('Shipped');

  // And the shopper's order list, likewise.
  await page.goto('/orders');
  await waitForHydration(page);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  // Two indicators on this page (header and heading), one live region: announced once.
  await expect(page.getByTestId('connection-status')).toHaveCount(2);
  await expect(page.locator('[data-testid=connection-status][aria-live=polite]')).toHaveCount(1);
  await expect(page.locator('[data-testid=connection-status][aria-live=off]')).not.toHaveAttribute('role', 'status');
  await card.getByRole('button', { name: `Mark delivered, order #${short}` }).click();
  await expect(page.locator(`[data-order-id="${id}"]`).getByTestId('status-badge')).toHaveText('Delivered', { timeout: 5_000 });
  await staffContext.close();
});

test('a page whose WASM chunk fails to download at first still comes alive', async ({ page }) => {
  await signUp(page, uniqueEmail('chunk'));
  // The orders list is a lazy island: its chunks are fetched when /orders is shown. The first
  // two attempts fail as if the server were restarting.
  let refused = 0;
  await page.route(/\/pkg\/(chunk_\d+|split_\w+)\.wasm$/, async (route) => {
    if (refused < 2) {
      refused += 1;
      await route.abort('connectionrefused');
    } else {
      await route.continue();
    }
  });
  await page.goto('/orders');
  await waitForHydration(page);
  expect(refused).toBe(2);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
});
