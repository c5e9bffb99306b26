import type { WebSocketRoute } from '@playwright/test';
import { test, expect, STAFF } from './support/server';
import { checkOut, signUp, uniqueEmail, waitForHydration } from './support/flows';

// Some proxies and mobile carriers refuse WebSockets. The page must notice and stay live over
// Server-Sent Events (`/events`), and go back to a WebSocket once one gets through.
test('with WebSockets blocked, a status change still reaches the shopper live, over SSE', async ({ browser, page }) => {
  test.setTimeout(150_000);
  let blocking = true;
  let refused = 0;
  await page.routeWebSocket(/\/ws(\?|$)/, (ws: WebSocketRoute) => {
    if (blocking) {
      refused += 1;
      ws.close({ code: 1011, reason: 'blocked by a proxy' });
    } else {
      ws.connectToServer();
    }
  });
  await signUp(page, uniqueEmail('sse'));
  await page.getByRole('button', { name: 'Add to cart: Glide Ergonomic Mouse' }).click();
  const id = await checkOut(page);
  const status = page.getByTestId('connection-status').first();
  await expect(status).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  await expect(status).toHaveAttribute('data-transport', 'sse');
  await expect(status).toHaveText('Live (SSE)');
  expect(refused).toBeGreaterThanOrEqual(2);

  const staffContext = await browser.newContext({ baseURL: new URL(page.url()).origin });
  expect((await staffContext.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const moved = await staffContext.request.post('/api/change_status', { form: { id, status: 'PROCESSING', version: '1' } });
  expect(moved.status(), await moved.text()).toBe(200);
  await expect(page.getByTestId('status-badge')).toHaveText('Processing', { timeout: 2_000 });

  // The network lets WebSockets through again: within a minute or so the page is back on one.
  blocking = false;
  await expect(status).toHaveAttribute('data-transport', 'websocket', { timeout: 75_000 });
  await expect(status).toHaveAttribute('data-state', 'live');
  await expect(status).toHaveText('Live');
  const shipped = await staffContext.request.post('/api/change_status', { form: { id, status: 'SHIPPED', version: '2' } });
  expect(shipped.status(), await shipped.text()).toBe(200);
  await expect(page.getByTestId('status-badge')).toHaveText('Shipped', { timeout: 2_000 });
  await staffContext.close();
});

test('?transport=sse forces the fallback for a support case', async ({ page }) => {
  await signUp(page, uniqueEmail('forced'));
  let sockets = 0;
  page.on('websocket', () => (sockets += 1));
  await page.goto('/orders?transport=sse');
  await waitForHydration(page);
  const status = page.getByTestId('connection-status').first();
  await expect(status).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(status).toHaveAttribute('data-transport', 'sse');
  expect(sockets).toBe(0);
});
