// The account page: change name and password, see where you are signed in, sign out elsewhere.
// Plain forms, so it works the same with WASM disabled.
import { test, expect } from './support/server';
import { signUp, uniqueEmail } from './support/flows';

test('change name and password, and a second session is signed out by the change', async ({ page, browser, baseURL }) => {
  const email = uniqueEmail('account');
  await signUp(page, email);

  // A second device signed in to the same account.
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  expect((await otherPage.request.post('/api/login', { form: { email, password: 'correct-horse-battery' } })).status()).toBe(200);

  await page.getByTestId('account-name').click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByTestId('sessions').getByRole('listitem')).toHaveCount(2);
  await expect(page.getByText('This device')).toBeVisible();

  await page.getByLabel('Name', { exact: true }).fill('Renamed Shopper');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('saved-notice')).toHaveText('Your name was saved.');
  await expect(page.getByTestId('account-name')).toContainText('Renamed Shopper');

  // A weak new password is refused with the reason; a wrong current one too.
  await page.getByLabel('Current password').fill('correct-horse-battery');
  await page.getByLabel(/^New password/).fill('password123');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('error-new_password')).toContainText('too easy to guess');
  await page.getByLabel('Current password').fill('not-my-password');
  await page.getByLabel(/^New password/).fill('lantern-orchid-voyage');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('error-current_password')).toHaveText('That is not your current password.');

  await page.getByLabel('Current password').fill('correct-horse-battery');
  await page.getByLabel(/^New password/).fill('lantern-orchid-voyage');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('saved-notice')).toContainText('Every other session was signed out.');
  await expect(page.getByTestId('sessions').getByRole('listitem')).toHaveCount(1);
  // The other device's session is over.
  expect((await otherPage.request.post('/api/orders')).status()).toBe(401);
  await other.close();

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
});
