// Progressive enhancement: with JavaScript (and so WASM) disabled, every form still works
// through plain HTML posts to the same server functions.
import { test, expect } from './support/server';
import { fillShipping, uniqueEmail } from './support/flows';

test.use({ javaScriptEnabled: false });

test('sign up, add to cart and check out with WASM disabled', async ({ page }) => {
  await page.goto('/register');
  await page.getByLabel('Name').fill('No Script');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password (at least 8 characters)').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  // Errors come back beside the fields, values kept (except the password).
  await expect(page.getByTestId('error-email')).toHaveText('Enter a valid email address.');
  await expect(page.getByTestId('error-password')).toContainText('at least 8 characters');
  await expect(page.getByLabel('Name')).toHaveValue('No Script');

  await page.getByLabel('Email').fill(uniqueEmail('nojs'));
  await page.getByLabel('Password (at least 8 characters)').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByTestId('account-name')).toContainText('No Script');

  await page.getByRole('button', { name: 'Add to cart: Pulse Earbuds' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');

  await page.goto('/checkout');
  await fillShipping(page, '1000');
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await expect(page.getByTestId('error-zip')).toContainText('ZIP');
  await expect(page.getByLabel('City')).toHaveValue('New York');

  await page.getByLabel('ZIP').fill('10001');
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await expect(page).toHaveURL(/step=review/);
  await expect(page.getByTestId('review-total')).toHaveText('$89.00');
  await expect(page.getByTestId('review-address')).toContainText('12 Analytical Way');
  await page.getByRole('button', { name: 'Place order' }).click();

  await expect(page).toHaveURL(/\/orders\/[0-9A-Z]+\?placed=1/);
  await expect(page.getByTestId('order-confirmation')).toBeVisible();
  await expect(page.getByTestId('order-total')).toHaveText('$89.00');
  await expect(page.getByTestId('cart-count')).toHaveText('0');
});
