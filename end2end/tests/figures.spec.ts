// The staff dashboard's figures move in the browser with each event, through the same
// projection the server keeps: an order placed or cancelled changes the orders, revenue,
// per-status counts and the chart at once, without a request to the server; the low-stock
// list follows the live catalog; and the server's figures agree with the page's.
import { test, expect, STAFF } from './support/server';
import { uniqueEmail, waitForHydration } from './support/flows';

const SHIPPING = {
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
  city: 'New York', state: 'NY', zip: '10001',
};

/** "$1,234.56" → 123456. */
function cents(text: string | null): number {
  const m = /^(-?)\$([\d,]+)\.(\d\d)$/.exec((text ?? '').trim());
  if (!m) throw new Error(`not an amount: ${text}`);
  return (m[1] ? -1 : 1) * (Number(m[2].replace(/,/g, '')) * 100 + Number(m[3]));
}

test('the staff figures move with each event without asking the server', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  expect((await page.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const overviewRequests: number[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/staff_overview') overviewRequests.push(Date.now());
  });
  await page.goto('/staff');
  await waitForHydration(page);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const orders = page.getByTestId('figure-orders');
  const revenue = page.getByTestId('figure-revenue');
  const chart = page.getByTestId('orders-chart');
  const ordersBefore = Number(await orders.textContent());
  const revenueBefore = cents(await revenue.textContent());
  const chartBefore = Number(await chart.getAttribute('data-total'));
  const cancelledCount = async () => Number(/Cancelled: (\d+)/.exec((await page.getByTestId('status-counts').textContent()) ?? '')?.[1]);
  const cancelledBefore = await cancelledCount();

  // A shopper in another browser places two orders.
  const shopper = await browser.newContext({ baseURL: shop.baseURL });
  const registered = await shopper.request.post('/api/register', {
    form: { name: 'Figure Shopper', email: uniqueEmail('figures'), password: 'correct-horse-battery' },
  });
  expect(registered.status(), await registered.text()).toBe(200);
  overviewRequests.length = 0;
  const placed = [];
  for (const [i, cart] of ['canvas-notebook:2', 'lumen-lamp:1'].entries()) {
    const r = await shopper.request.post('/api/place_order', { form: { ...SHIPPING, cart, idempotency_key: `fig${Date.now()}${i}` } });
    expect(r.status(), await r.text()).toBe(200);
    placed.push((await r.json()).order as { id: string; total_cents: number });
  }
  const both = placed[0].total_cents + placed[1].total_cents;
  await expect(orders).toHaveText(String(ordersBefore + 2), { timeout: 10_000 });
  await expect(revenue).toHaveText(new RegExp(`^\\$`));
  await expect.poll(async () => cents(await revenue.textContent())).toBe(revenueBefore + both);
  await expect(chart).toHaveAttribute('data-total', String(chartBefore + 2));
  expect(overviewRequests, 'the figures moved without a request').toEqual([]);

  // Staff cancel the first: its revenue goes, it still counts as an order of the day.
  const cancelled = await page.request.post('/api/change_status', { form: { id: placed[0].id, status: 'CANCELLED', version: '1', reason: 'duplicate order' } });
  expect(cancelled.status(), await cancelled.text()).toBe(200);
  await expect.poll(async () => cents(await revenue.textContent()), { timeout: 10_000 }).toBe(revenueBefore + placed[1].total_cents);
  await expect(orders).toHaveText(String(ordersBefore + 2));
  expect(await cancelledCount()).toBe(cancelledBefore + 1);

  // Stock moved: the low-stock list follows the live catalog, still without asking the server.
  const lowStock = page.getByRole('region', { name: 'Low stock' });
  const count = async (quantity: string) => {
    const r = await page.request.post('/api/change_stock', { form: { id: 'tactile-keyboard', action: 'set', quantity, reason: 'count_correction' } });
    expect(r.status(), await r.text()).toBe(200);
  };
  await count('2');
  await expect(lowStock.getByText('Tactile Mechanical Keyboard')).toBeVisible({ timeout: 5_000 });
  await expect(lowStock).toContainText('2 left');
  await count('20');
  await expect(lowStock.getByText('Tactile Mechanical Keyboard')).toBeHidden({ timeout: 5_000 });
  expect(overviewRequests, 'the low-stock list moved without a request').toEqual([]);

  // The server's figures are the ones the page already showed.
  const server = await (await page.request.post('/api/staff_overview')).json();
  expect(server.today.orders).toBe(ordersBefore + 2);
  expect(server.today.revenue_cents).toBe(revenueBefore + placed[1].total_cents);
  await expect(orders).toHaveText(String(server.today.orders));
  await shopper.close();
});
