// Who did what, in two browsers: staff move a shopper's order and write an internal note on its
// page; the shopper's open order page shows "Shipped by staff" live, the bell counts up without a
// reload, and the note never appears. Staff see names, the note and each entry's place in the
// log. Cancelling asks staff for a reason and lets the shopper give one.
import { test, expect, STAFF } from './support/server';
import { signIn, signUp, uniqueEmail, waitForHydration } from './support/flows';

const order = (cart: string) => ({
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
  city: 'New York', state: 'NY', zip: '10001', cart, idempotency_key: `e2e${Date.now()}${Math.random().toString(36).slice(2)}`,
});

test('staff ship an order: the shopper sees who did it live, never the note', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  await signUp(page, uniqueEmail('timeline'));
  const placed = await page.request.post('/api/place_order', { form: order('ridge-mug:1') });
  expect(placed.status(), await placed.text()).toBe(200);
  const id = (await placed.json()).order.id as string;
  await page.goto(`/orders/${id}`);
  await waitForHydration(page);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const timeline = page.getByTestId('timeline');
  await expect(timeline.getByTestId('timeline-entry')).toHaveCount(1);
  await expect(timeline).toContainText('Placed by you');
  const bell = page.getByTestId('notification-bell');
  await expect(bell).toHaveAccessibleName('Notifications, none unread');
  let reloads = 0;
  page.on('load', () => (reloads += 1));

  const staffContext = await browser.newContext({ baseURL: shop.baseURL });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.goto(`/orders/${id}`);
  await waitForHydration(staff);
  await expect(staff.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await staff.getByRole('button', { name: /^Mark processing/ }).click();
  await expect(staff.getByTestId('status-badge')).toHaveText('Processing');
  await staff.getByLabel('Internal note (staff only)').fill('Fragile: pack the mug twice');
  await staff.getByRole('button', { name: 'Add note' }).click();
  const note = staff.locator('[data-testid=timeline-entry][data-note=true]');
  await expect(note).toContainText('Fragile: pack the mug twice', { timeout: 5_000 });
  await expect(note).toContainText(/Note by .+ \(staff\)/);
  await staff.getByRole('button', { name: /^Mark shipped/ }).click();
  await expect(staff.getByTestId('timeline')).toContainText(/Shipped by .+ \(staff\)/, { timeout: 5_000 });

  // The shopper's page, untouched: the change and who made it, live; the bell counts both.
  await expect(timeline).toContainText('Shipped by staff', { timeout: 2_000 });
  await expect(timeline).toContainText('Processing started by staff');
  await expect(page.getByTestId('status-badge')).toHaveText('Shipped');
  await expect(bell).toHaveAccessibleName('Notifications, 2 unread', { timeout: 5_000 });
  await expect(page.locator('body')).not.toContainText('Fragile');
  expect(reloads, 'no reload').toBe(0);

  // Staff see each entry's event and where it sits in the log, in the order it happened.
  await expect(staff.getByTestId('log-position')).toHaveCount(4, { timeout: 10_000 });
  await expect(staff.getByTestId('log-position').last()).toContainText(/partition \d · offset \d+/, { timeout: 10_000 });

  // The event browser, filtered to this order: its four events, newest first, offsets growing
  // with time (one order's events share a partition); a row opens the record.
  await staff.goto(`/staff/events?subject=${id}`);
  await waitForHydration(staff);
  const rows = staff.getByTestId('event-row');
  await expect(rows).toHaveCount(4);
  const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')));
  expect(kinds).toEqual(['order.status_changed', 'order.note_added', 'order.status_changed', 'order.created']);
  const offsets = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-offset'))));
  expect([...offsets].sort((a, b) => b - a), 'newest first, offsets increasing with time').toEqual(offsets);
  await rows.first().locator('summary').click();
  await expect(rows.first().locator('pre')).toContainText('"status": "SHIPPED"');
  await staffContext.close();
});

test('the event browser shows new records at the top as they are produced', async ({ browser, page, shop }) => {
  test.setTimeout(60_000);
  const staffContext = await browser.newContext({ baseURL: shop.baseURL });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.goto('/staff');
  await waitForHydration(staff);
  await staff.getByRole('link', { name: 'Event log' }).click();
  await waitForHydration(staff);
  await expect(staff.getByRole('heading', { level: 1 })).toHaveText('Event log');
  await expect(staff.getByTestId('partition-health')).toHaveCount(3);
  await expect(staff.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });

  await signUp(page, uniqueEmail('tail'));
  const placed = await page.request.post('/api/place_order', { form: order('glide-mouse:1') });
  expect(placed.status(), await placed.text()).toBe(200);
  const id = (await placed.json()).order.id as string;
  const top = staff.getByTestId('event-row').first();
  await expect(top).toHaveAttribute('data-kind', 'order.created', { timeout: 5_000 });
  await expect(top.getByRole('link', { name: id })).toBeVisible();

  // The audit from the page: figures replayed from the log beside the database's. (Other tests
  // write forged records to this shop's topic, so the verdict may list them.)
  await staff.getByRole('button', { name: 'Rebuild figures from the log' }).click();
  await expect(staff.getByTestId('rebuild-verdict')).toContainText(/Matches|difference/, { timeout: 30_000 });
  await expect(staff.getByTestId('rebuild').getByRole('table')).toContainText('Orders today');
  await staffContext.close();
});

test('cancelling: staff must say why, the shopper may, and both read it in the timeline', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  await signUp(page, uniqueEmail('cancel'));
  const ids: string[] = [];
  for (const cart of ['canvas-notebook:1', 'ridge-mug:1']) {
    const r = await page.request.post('/api/place_order', { form: order(cart) });
    expect(r.status(), await r.text()).toBe(200);
    ids.push((await r.json()).order.id);
  }

  // The shopper cancels the first with a reason, from its page.
  await page.goto(`/orders/${ids[0]}`);
  await waitForHydration(page);
  await page.getByRole('textbox', { name: /^Reason for cancelling \(optional\)/ }).fill('changed my mind');
  await page.getByRole('button', { name: /^Cancel order/ }).click();
  await expect(page.getByTestId('timeline')).toContainText('Cancelled by you — changed my mind', { timeout: 5_000 });

  // Staff cancel the second: not without a reason, which the shopper then reads.
  const staffContext = await browser.newContext({ baseURL: shop.baseURL });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.goto(`/orders/${ids[1]}`);
  await waitForHydration(staff);
  const reason = staff.getByRole('textbox', { name: /^Reason for cancelling \(shown to the shopper\)/ });
  await staff.getByRole('button', { name: /^Cancel order/ }).click();
  expect(await reason.evaluate((el: HTMLInputElement) => el.validity.valueMissing), 'the browser asks for the reason').toBe(true);
  await expect(staff.getByTestId('status-badge')).toHaveText('Pending');
  await reason.fill('Out of stock at the supplier');
  await staff.getByRole('button', { name: /^Cancel order/ }).click();
  await expect(staff.getByTestId('timeline')).toContainText(/Cancelled by .+ \(staff\) — Out of stock at the supplier/, { timeout: 5_000 });
  await staffContext.close();

  await page.goto(`/orders/${ids[1]}`);
  await expect(page.getByTestId('timeline')).toContainText('Cancelled by staff — Out of stock at the supplier');
});
