// Events nobody can forge into a browser: whoever can write to the Kafka topic writes odd and
// hostile order events (multi-byte and huge ids, unknown statuses, numbers out of range, a
// status the shopper's own order never had, another shopper's order, a schema from the future,
// no JSON). The shopper's and the staff's pages, both live, show none of them, throw nothing,
// and still show the next real order live.
import { execFileSync } from 'node:child_process';
import { test, expect, STAFF } from './support/server';
import { signUp, uniqueEmail, waitForHydration } from './support/flows';

const ORDER_FORM = {
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
  city: 'New York', state: 'NY', zip: '10001', cart: 'canvas-notebook:1',
};

function event(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    v: 1, event_id: `forged-${Math.random()}`, type: 'order.created', order_id: '01FORGED0000000000000000', user_id: 'nobody',
    status: 'PENDING', order_version: 1, total_cents: 1999, occurred_at: new Date().toISOString(), ...fields,
  };
}

test('forged events on the topic reach no page and break none', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  const thrown: string[] = [];
  page.on('pageerror', (e) => thrown.push(`shopper: ${e.message}`));
  await signUp(page, uniqueEmail('forged'));
  const me = await (await page.request.post('/api/current_user')).json();
  const theirs = await (await page.request.post('/api/place_order', { form: { ...ORDER_FORM, idempotency_key: `f${Date.now()}` } })).json();
  await page.goto('/orders');
  await waitForHydration(page);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });

  const staffContext = await browser.newContext({ baseURL: shop.baseURL });
  expect((await staffContext.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const staff = await staffContext.newPage();
  staff.on('pageerror', (e) => thrown.push(`staff: ${e.message}`));
  await staff.goto('/staff');
  await waitForHydration(staff);
  await expect(staff.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const figure = await staff.getByTestId('figure-orders').textContent();

  const forged = [
    event({ order_id: 'ÿ💥多字节-订单-🛒', user_id: me.id }),
    event({ order_id: 'é'.repeat(3000), user_id: me.id }),
    event({ order_id: theirs.order.id, user_id: me.id, type: 'order.status_changed', status: 'HACKED', order_version: 99 }),
    event({ order_id: theirs.order.id, user_id: me.id, type: 'order.status_changed', status: 'CANCELLED', order_version: 9e18, total_cents: 9.3e18 }),
    event({ order_id: theirs.order.id, user_id: me.id, type: 'order.status_changed', status: 'SHIPPED', order_version: 2, total_cents: theirs.order.total_cents }),
    event({ order_id: theirs.order.id, user_id: 'someone-else', type: 'order.status_changed', status: 'DELIVERED', order_version: 50 }),
    event({ order_id: '01FORGED0000000000000001', user_id: me.id, total_cents: -5 }),
    event({ v: 2, order_id: '01FORGED0000000000000002', user_id: me.id }),
    '{not json at all',
  ];
  // One record per produce, written by the broker binary's `produce` command (value on stdin:
  // an event as JSON, the last one raw text).
  for (const [i, value] of forged.entries()) {
    const partition = String(i % 3);
    const input = typeof value === 'string' ? value : JSON.stringify(value);
    const offset = execFileSync(process.env.TANSU_BIN!, ['produce', 'order-events', '--broker', `tcp://127.0.0.1:${shop.brokerPort}`, '--partition', partition, '--key', `k${i}`], { input, encoding: 'utf8' });
    expect(offset.trim(), 'the broker took the record at an offset').toMatch(/^\d+$/);
  }

  // A real order placed after them still arrives live, on both pages: the sockets and the WASM
  // survived the forged events, which were handled before it.
  const real = await (await page.request.post('/api/place_order', { form: { ...ORDER_FORM, idempotency_key: `r${Date.now()}` } })).json();
  await expect(staff.locator(`[data-order-id="${real.order.id}"]`)).toBeVisible({ timeout: 10_000 });
  await expect(page.locator(`[data-order-id="${real.order.id}"]`)).toBeVisible({ timeout: 10_000 });

  // None of the forged events shows anywhere.
  for (const p of [page, staff]) {
    await expect(p.locator('[data-order-id^="01FORGED"]')).toHaveCount(0);
    await expect(p.locator('[data-order-id*="💥"]')).toHaveCount(0);
    await expect(p.locator('[data-order-id^="éé"]')).toHaveCount(0);
    await expect(p.getByText('HACKED')).toHaveCount(0);
  }
  const card = page.locator(`[data-order-id="${theirs.order.id}"]`);
  await expect(card.getByTestId('status-badge')).toHaveText('Pending');
  await expect(staff.getByTestId('figure-orders')).toHaveText(String(Number(figure) + 1));
  expect(thrown).toEqual([]);
  await staffContext.close();
});
