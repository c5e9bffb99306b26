// The account page: change name and password, see where you are signed in, sign out elsewhere.
// Plain forms, so it works the same with WASM disabled.
import { test, expect } from './support/server';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

test('a forgotten password is reset through the e-mailed link, once', async ({ page, shop }) => {
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  const email = uniqueEmail('forgot');
  await signUp(page, email);
  await page.context().clearCookies();

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot$/);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('a link is on its way');

  // No SMTP server here: the mail is a file under DATA_DIR/mail/.
  const mailDir = path.join(shop.dataDir, 'mail');
  await expect.poll(() => (fs.existsSync(mailDir) ? fs.readdirSync(mailDir).length : 0)).toBe(1);
  const files = fs.readdirSync(mailDir);
  const mail = fs.readFileSync(path.join(mailDir, files[0]), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const link = mail.match(/http:\/\/\S+\/reset\?token=[0-9a-f]{64}/)![0];
  expect(new URL(link).origin).toBe(new URL(page.url()).origin);

  await page.goto(link);
  await page.getByLabel(/^New password/).fill('password1');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByTestId('error-password')).toBeVisible();
  await page.getByLabel(/^New password/).fill('a-fresh-long-passphrase');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByTestId('reset-notice')).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a-fresh-long-passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByTestId('account-name')).toContainText('Test Shopper');

  // The link worked once.
  await page.goto(link);
  await expect(page.getByTestId('reset-dead')).toContainText('cannot be used');
  await expect(page.getByRole('button', { name: 'Set new password' })).toHaveCount(0);
  expect(blocked).toEqual([]);
});
