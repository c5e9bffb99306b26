// Webhooks from staff's side: register a receiver with the form (a bad filter refused beside its
// field), place an order, and find the signed request at the receiver and the delivery on the
// page; a paused webhook gets nothing. The receiver is a Node HTTP server on loopback (the test
// server runs in development, where loopback receivers are allowed). Retries and dead letters
// are in server/tests/suite/webhooks.rs, where the test can move the schedule's clock.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, STAFF } from './support/server';
import { signIn, signUp, uniqueEmail } from './support/flows';

type Got = { headers: IncomingHttpHeaders; body: string };

async function receiver(answer: () => number) {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(answer()).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return { got, url: `http://127.0.0.1:${port}/hook`, close: () => server.close() };
}

const order = (cart: string) => ({
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
  city: 'New York', state: 'NY', zip: '10001', cart, idempotency_key: `e2e${Date.now()}${Math.random().toString(36).slice(2)}`,
});

test('staff register a webhook and see each order delivered, signed', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  const hook = await receiver(() => 200);
  try {
    await signIn(page, STAFF.email, STAFF.password);
    await page.goto('/staff');
    await page.getByRole('navigation', { name: 'Staff tools' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();

    // A bad filter is refused beside its field, with what was typed kept.
    const form = page.getByRole('form', { name: 'Register a webhook' });
    await form.getByLabel('URL').fill(hook.url);
    await form.getByLabel('Events').fill('order.exploded');
    await form.getByRole('button', { name: 'Register' }).click();
    await expect(page.getByTestId('error-events')).toContainText('order.exploded');
    await expect(form.getByLabel('URL')).toHaveValue(hook.url);

    await form.getByLabel('Events').fill('order.created');
    await form.getByLabel('What it is for (optional)').fill('Warehouse');
    await form.getByRole('button', { name: 'Register' }).click();
    await expect(page.getByTestId('saved-notice')).toContainText('registered');
    const card = page.getByTestId('webhook').filter({ hasText: hook.url });
    await expect(card).toContainText('Warehouse');
    await card.getByText('Signing secret').click();
    const secret = (await card.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);

    // A shopper buys; the receiver gets the event, signed with that secret.
    const shopperContext = await browser.newContext({ baseURL: shop.baseURL });
    const shopper = await shopperContext.newPage();
    await signUp(shopper, uniqueEmail('webhook'));
    const placed = await shopper.request.post('/api/place_order', { form: order('ridge-mug:1') });
    expect(placed.status(), await placed.text()).toBe(200);
    const id = (await placed.json()).order.id as string;
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(1);
    const [first] = hook.got;
    expect(JSON.parse(first.body).order_id).toBe(id);
    expect(first.headers['x-shop-event']).toBe('order.created');
    const expected = createHmac('sha256', secret).update(`${first.headers['x-shop-timestamp']}.${first.body}`).digest('hex');
    expect(first.headers['x-shop-signature']).toBe(`sha256=${expected}`);

    await page.getByRole('link', { name: 'Refresh' }).click();
    const row = page.getByTestId('deliveries').getByTestId('delivery').first();
    await expect(row).toHaveAttribute('data-state', 'delivered');
    await expect(row).toContainText('HTTP 200');
    await expect(page.getByTestId('webhook-counts')).toContainText('1 delivered · 0 waiting · 0 dead');

    // Paused: a new order makes no delivery; resumed, the next one does.
    await card.getByRole('button', { name: `Pause ${hook.url}` }).click();
    await expect(page.getByTestId('saved-notice')).toContainText('paused');
    await expect(page.getByTestId('webhook').filter({ hasText: hook.url })).toContainText('Paused');
    const second = await shopper.request.post('/api/place_order', { form: order('ridge-mug:1') });
    expect(second.status()).toBe(200);
    await page.waitForTimeout(1_500);
    expect(hook.got.length, 'a paused webhook gets nothing').toBe(1);
    await page.getByTestId('webhook').filter({ hasText: hook.url }).getByRole('button', { name: `Resume ${hook.url}` }).click();
    await expect(page.getByTestId('saved-notice')).toContainText('active again');
    await expect.poll(() => hook.got.length, { timeout: 2_000 }).toBe(1);
    const third = await shopper.request.post('/api/place_order', { form: order('ridge-mug:1') });
    expect(third.status()).toBe(200);
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(2);
    expect(JSON.parse(hook.got[1].body).order_id).toBe((await third.json()).order.id);
    await shopperContext.close();
  } finally {
    hook.close();
  }
});
