// suite.mjs: Carrel in a real browser (Debian's chromium, driven by
// playwright-core). Each role's journeys are walked by clicking and typing;
// then every page each role can reach by GET - found from the route table -
// is checked by axe-core (no serious or critical violation) and at 390 px
// wide (nothing runs off the right edge). Every page visited is saved at
// 1280 and 390 px under OUTDIR/screens. Prints TAP.
//
//   node suite.mjs PORT OUTDIR      (OUTDIR/seed.json comes from run.py)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CARREL_CHROMIUM || '/usr/bin/chromium';
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 390, height: 844 };
const ROLE_RANK = { anonymous: 0, member: 1, librarian: 2, admin: 3 };
const BLOCKING = new Set(['serious', 'critical']);
// JPEG: a full page encodes several times faster than PNG.
const SHOT = { fullPage: true, type: 'jpeg', quality: 70 };

const [port, outdir] = process.argv.slice(2);
const seed = JSON.parse(fs.readFileSync(path.join(outdir, 'seed.json'), 'utf8'));
const base = `http://127.0.0.1:${port}`;

// ---- TAP ----

let testNumber = 0;
let failures = 0;

function tapLine(ok, name, details = [], directive = '') {
  testNumber++;
  if (!ok) failures++;
  const tail = directive ? ` # ${directive}` : '';
  console.log(`${ok ? 'ok' : 'not ok'} ${testNumber} - ${name}${tail}`);
  for (const d of details) for (const line of String(d).split('\n')) console.log(`#   ${line}`);
}

async function journey(name, fn) {
  try {
    await fn();
    tapLine(true, name);
  } catch (err) {
    tapLine(false, name, [err.message.split('\n').slice(0, 6).join('\n')]);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- pages ----

let shotNumber = 0;
const overflows = [];      // pages wider than a 390 px screen
const visited = {};        // role -> paths the journeys went through, and their links

function slug(text) {
  return text.replace(/^\//, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'home';
}

// Save the page at both widths and measure it at 390 px.
async function look(page, role, label) {
  const name = `${String(++shotNumber).padStart(3, '0')}-${role}-${slug(label)}.jpg`;
  const seen = (visited[role] ||= new Set());
  for (const p of [new URL(page.url()).pathname, ...await linksOf(page)]) seen.add(p);
  await page.setViewportSize(WIDE);
  await page.screenshot({ path: path.join(outdir, 'screens', '1280', name), ...SHOT });
  await page.setViewportSize(NARROW);
  const [width, screenWidth] = await page.evaluate(
    () => [document.scrollingElement.scrollWidth, window.innerWidth]);
  if (width > screenWidth + 1) {
    const culprits = await page.evaluate((limit) => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > limit + 1)
      .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= limit + 1)
      .slice(0, 3)
      .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')),
    NARROW.width);
    overflows.push(`${role} ${new URL(page.url()).pathname}: ${width} px wide (${culprits.join(', ')})`);
  }
  await page.screenshot({ path: path.join(outdir, 'screens', '390', name), ...SHOT });
  await page.setViewportSize(WIDE);
}

// Click and wait for the page the click leads to.
async function clickThrough(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

async function newPage(browser) {
  // bypassCSP: axe is injected as a script the site's policy would refuse.
  const context = await browser.newContext({ viewport: WIDE, bypassCSP: true });
  return context.newPage();
}

async function logIn(browser, role, [email, password]) {
  const page = await newPage(browser);
  await page.goto(`${base}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await clickThrough(page, page.getByRole('button', { name: 'Log in' }));
  check(!new URL(page.url()).pathname.startsWith('/login'), `${email} could not log in`);
  await look(page, role, 'after login');
  return page;
}

// ---- journeys ----

async function visitorSearches(page) {
  await page.goto(`${base}/`);
  await look(page, 'anonymous', 'home');
  await clickThrough(page, page.locator('nav.site').getByRole('link', { name: 'Catalogue' }));
  await page.locator('main').getByRole('searchbox').fill(seed.search.query);
  await clickThrough(page, page.locator('main').getByRole('button', { name: 'Search' }));
  await look(page, 'anonymous', 'catalogue search');
  await clickThrough(page, page.locator('main').getByRole('link', { name: seed.search.title }).first());
  const heading = await page.locator('h1').innerText();
  check(heading.includes(seed.search.title), `the title page's heading is "${heading}"`);
  await look(page, 'anonymous', 'title');
}

async function visitorRegisters(page) {
  await page.goto(`${base}/`);
  await clickThrough(page, page.locator('nav.site').getByRole('link', { name: 'Join' }));
  await look(page, 'anonymous', 'register');
  await page.getByLabel('Full name').fill('Nina Newcomer');
  await page.getByLabel('Email address').fill('nina@test.example');
  await page.getByLabel(/^Password/).fill('newcomer password 1');
  await page.locator('label.choice', { hasText: 'Monthly' }).locator('input').check();
  await clickThrough(page, page.getByRole('button', { name: 'Create my account' }));
  const sent = await mainText(page);
  check(/Check your email/.test(sent), `registering did not ask to check the email: ${sent.slice(0, 300)}`);
  await look(page, 'anonymous', 'registered, check your email');
  // The newcomer opens the link emailed to them (read from the outbox).
  const body = execFileSync('sqlite3', [seed.db, "SELECT body FROM outbox WHERE recipient = " +
    "'nina@test.example' AND kind = 'registration-confirm' ORDER BY id DESC LIMIT 1"],
  { encoding: 'utf8' });
  const link = body.match(/\/register\/confirm\/[A-Za-z0-9_-]{43}/);
  check(link, `no link in the email confirming the registration: ${body.slice(0, 300)}`);
  await page.goto(base + link[0]);
  await look(page, 'anonymous', 'finish registering');
  await clickThrough(page, page.getByRole('button', { name: 'Start using my account' }));
  const text = await mainText(page);
  check(new URL(page.url()).pathname === '/account', `registering ended on ${page.url()}: ${text.slice(0, 300)}`);
  check(/Monthly membership is waiting for its payment/.test(text),
    `the new account does not show the Monthly plan waiting for payment: ${text.slice(0, 300)}`);
  await look(page, 'member', 'account after registering');
}

async function memberPlacesHold(page) {
  await page.goto(`${base}/titles/${seed.hold_title_id}`);
  await look(page, 'member', 'title to hold');
  await clickThrough(page, page.getByRole('button', { name: 'Place a hold' }));
  await look(page, 'member', 'after placing a hold');
  await clickThrough(page, page.locator('nav.site').getByRole('link', { name: 'My account' }));
  const holds = page.locator('section', { has: page.getByRole('heading', { name: 'Holds' }) });
  check(await holds.getByRole('link', { name: seed.hold_title }).count() === 1,
    `the account's holds do not list "${seed.hold_title}": ${(await holds.innerText()).slice(0, 300)}`);
  await look(page, 'member', 'account with a hold');
}

async function memberRenews(page) {
  await page.goto(`${base}/account`);
  const row = () => page.locator('tr', { hasText: seed.renew_title });
  const before = await row().innerText();
  check(/\b0 of \d/.test(before), `the loan is not fresh: ${before}`);
  await clickThrough(page, row().getByRole('button', { name: 'Renew' }));
  await look(page, 'member', 'after renewing');
  if (new URL(page.url()).pathname !== '/account') await page.goto(`${base}/account`);
  const after = await row().innerText();
  check(/\b1 of \d/.test(after), `the loan shows "${after.replace(/\s+/g, ' ')}" after renewing`);
}

async function memberPays(page) {
  await page.goto(`${base}/account`);
  await clickThrough(page, page.getByRole('link', { name: 'Payments and renewals' }));
  await look(page, 'member', 'payments');
  const annual = await page.locator('#plan option', { hasText: 'Annual' }).getAttribute('value');
  await page.getByLabel('Plan').selectOption(annual);
  await clickThrough(page, page.getByRole('button', { name: 'Continue to payment' }));
  check(new URL(page.url()).pathname.startsWith('/payments/test-provider/'),
    `continuing to payment ended on ${page.url()}`);
  await look(page, 'member', 'test provider');
  await clickThrough(page, page.getByRole('button', { name: 'Approve the payment' }));
  await look(page, 'member', 'payment approved');
  await clickThrough(page, page.getByRole('button', { name: 'Return to the library' }));
  const text = await mainText(page);
  check(new URL(page.url()).pathname === '/account/payments', `the payment ended on ${page.url()}`);
  check(/Annual/.test(text) && !/waits for its payment/.test(text),
    `the payments page does not show the Annual plan paid: ${text.slice(0, 400)}`);
  await look(page, 'member', 'payments after paying');
}

// The member rates a title they have on loan: a star rating (a radio
// button by its label) and a few words; the average then counts it.
async function memberRatesTitle(page) {
  await page.goto(`${base}/titles/${seed.review_title_id}`);
  const reviews = page.locator('#reviews');
  let text = (await reviews.innerText()).replace(/\s+/g, ' ');
  check(/5\.0 out of 5 \(1 rating\)/.test(text), `the title's rating reads: ${text.slice(0, 300)}`);
  await look(page, 'member', 'title to review');
  await reviews.getByLabel('4 stars (very good)').check();
  await reviews.getByLabel('Your review (optional)').fill('Slow to start, then hard to put down.');
  await clickThrough(page, reviews.getByRole('button', { name: 'Post your review' }));
  text = (await page.locator('#reviews').innerText()).replace(/\s+/g, ' ');
  check(/Thank you: your review is saved/.test(text) && /4\.5 out of 5 \(2 ratings\)/.test(text),
    `after rating, the reviews read: ${text.slice(0, 400)}`);
  check(text.includes('Slow to start, then hard to put down.'), 'the new review is not on the page');
  check(!text.includes('cheap books'), 'a hidden review is shown to a member');
  await look(page, 'member', 'title after reviewing');
  // The catalogue sorts by rating, each hit with its average.
  await page.goto(`${base}/catalogue?q=${encodeURIComponent('Well Reviewed')}&sort=rating`);
  check(await page.locator('#sort').inputValue() === 'rating', 'the sort menu does not say Highest rated');
  const hits = (await page.locator('ol.hits').innerText()).replace(/\s+/g, ' ');
  check(/4\.5 out of 5 \(2 ratings\)/.test(hits), `the hit does not show its rating: ${hits.slice(0, 300)}`);
  await look(page, 'member', 'catalogue by rating');
}

async function librarianDesk(page) {
  await clickThrough(page, page.locator('nav.site').getByRole('link', { name: 'Desk' }));
  await look(page, 'librarian', 'checkout');
  await page.getByLabel(/^Member/).fill(seed.borrower[0]);
  await page.getByLabel('Item barcode').fill(seed.desk_barcode);
  await clickThrough(page, page.getByRole('button', { name: 'Lend' }));
  let text = await mainText(page);
  check(text.includes(seed.desk_title) && !/Not lent/.test(text),
    `the checkout did not lend "${seed.desk_title}": ${text.slice(0, 400)}`);
  await look(page, 'librarian', 'after checkout');
  await page.goto(`${base}/staff/checkin`);
  await look(page, 'librarian', 'checkin');
  await page.getByLabel('Item barcode').fill(seed.desk_barcode);
  await clickThrough(page, page.getByRole('button', { name: 'Check in' }));
  text = await mainText(page);
  check(text.includes(seed.desk_title), `the checkin does not name "${seed.desk_title}": ${text.slice(0, 400)}`);
  await look(page, 'librarian', 'after checkin');
}

async function adminEditsRule(page) {
  await clickThrough(page, page.locator('nav.site').getByRole('link', { name: 'Rules' }));
  await look(page, 'admin', 'rules');
  const rule = page.locator('form.rule').first();
  const id = await rule.getAttribute('id');
  await rule.getByLabel('Loan days').fill('17');
  await clickThrough(page, rule.getByRole('button', { name: 'Save' }));
  await look(page, 'admin', 'rules after saving');
  await page.goto(`${base}/admin/rules`);
  const saved = await page.locator(`#${id}`).getByLabel('Loan days').inputValue();
  check(saved === '17', `the rule's loan days read ${saved} after saving 17`);
}

// An e-book asked for on its title page, granted by the librarian on
// /staff/ebook-requests, then seen granted on the member's /account.
async function memberRequestsEbook(page) {
  await page.goto(`${base}/titles/${seed.ebook_title_id}`);
  await look(page, 'member', 'e-book title');
  await clickThrough(page, page.getByRole('button', { name: 'Request this e-book' }));
  const text = await mainText(page);
  check(/You requested this e-book on/.test(text), `the title page does not show the request: ${text.slice(0, 400)}`);
  await look(page, 'member', 'e-book requested');
}

async function librarianGrantsEbook(page) {
  await page.goto(`${base}/staff`);
  await clickThrough(page, page.locator('main ul.tiles').getByRole('link', { name: /E-book requests/ }));
  await look(page, 'librarian', 'e-book requests');
  const row = page.locator('tr', { hasText: seed.ebook_title });
  check(await row.count() === 1, `the requests do not list "${seed.ebook_title}"`);
  await clickThrough(page, row.getByRole('button', { name: 'Grant' }));
  const text = await mainText(page);
  check(/The request was granted/.test(text), `granting did not say so: ${text.slice(0, 400)}`);
  await look(page, 'librarian', 'e-book granted');
}

async function memberSeesEbookGranted(page) {
  await page.goto(`${base}/account`);
  const section = page.locator('#ebooks');
  const text = (await section.innerText()).replace(/\s+/g, ' ');
  check(text.includes(`${seed.ebook_title} — until`), `/account does not show the e-book granted: ${text.slice(0, 400)}`);
  check(await section.getByRole('link', { name: `Read ${seed.ebook_title}` }).count() === 1,
    'the granted e-book has no Read link');
  await look(page, 'member', 'account with an e-book');
}

// The staged import: the file is checked and previewed, then imported,
// then undone.
async function librarianImportsAndUndoes(page) {
  await page.goto(`${base}/staff/imports`);
  const checkButton = page.getByRole('button', { name: 'Check the file' });
  check(await checkButton.count() === 1, 'the import page has no "Check the file" button');
  await look(page, 'librarian', 'imports');
  await page.locator('select[name="kind"]').selectOption('titles');
  const csv = 'isbn,title,authors,year,section,barcode,location,cost\n' +
    '978-0-14-044913-6,Crime and Punishment,Fyodor Dostoevsky,1866,Classics,BRW-1,C1,9.99\n';
  await page.locator('input[type="file"]').setInputFiles(
    { name: 'titles.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await clickThrough(page, checkButton);
  await look(page, 'librarian', 'import preview');
  check((await mainText(page)).includes('Crime and Punishment'), 'the preview does not show the title');
  await clickThrough(page, page.getByRole('button', { name: 'Import', exact: true }));
  check(/^\/staff\/imports\/[^/]+$/.test(new URL(page.url()).pathname), `importing ended on ${page.url()}`);
  await look(page, 'librarian', 'import done');
  await clickThrough(page, page.getByRole('button', { name: 'Undo this import' }));
  check(/undone/i.test(await mainText(page)), 'the page does not say the import was undone');
  await look(page, 'librarian', 'import undone');
  await page.goto(`${base}/catalogue?q=${encodeURIComponent('Crime and Punishment')}`);
  check(await page.locator('main').getByRole('link', { name: 'Crime and Punishment' }).count() === 0,
    'the undone import\'s title is still in the catalogue');
}

// ---- the crawl: every GET route each role may use ----

function patternRegex(pattern) {
  const escaped = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  return new RegExp('^' + escaped.replace(/\\?\{id\\?\}/g, '\\d+').replace(/\\?\{[a-z_]+\\?\}/g, '[^/]+') + '$');
}

async function linksOf(page) {
  const hrefs = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.href));
  return hrefs.map((h) => new URL(h)).filter((u) => u.origin === base).map((u) => u.pathname);
}

async function axeCheck(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations;
}

const axeReport = [];
const phaseTime = {};      // where the crawl's time goes, in ms

async function timed(phase, promise) {
  const t = Date.now();
  try { return await promise; } finally { phaseTime[phase] = (phaseTime[phase] || 0) + Date.now() - t; }
}

async function checkPage(page, role, route, pathname) {
  const label = `${role} GET ${route.pattern}` + (pathname !== route.pattern ? ` (${pathname})` : '');
  const answer = await timed('fetch', page.context().request.get(base + pathname, { maxRedirects: 0 }));
  const type = answer.headers()['content-type'] || '';
  if (answer.status() >= 500) return tapLine(false, label, [`answered ${answer.status()}`]);
  if (!type.startsWith('text/html')) return tapLine(true, `${label}: not a page (${type.split(';')[0]})`);
  const response = await timed('load', page.goto(base + pathname));
  const problems = [];
  if (response.status() >= 500) problems.push(`answered ${response.status()}`);
  const violations = await timed('axe', axeCheck(page));
  await timed('screens', look(page, role, pathname));
  for (const v of violations) {
    axeReport.push({ role, page: pathname, pattern: route.pattern, rule: v.id, impact: v.impact,
      help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) });
    if (!BLOCKING.has(v.impact)) continue;
    const targets = v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ');
    const more = v.nodes.length > 4 ? ` (+${v.nodes.length - 4} more)` : '';
    problems.push(`${v.id} (${v.impact}): ${v.help} - ${targets}${more}`);
  }
  tapLine(problems.length === 0, label + ': no serious or critical axe violation', problems);
  return linksOf(page);
}

async function crawl(page, role) {
  const rank = ROLE_RANK[role];
  let todo = seed.routes.filter((r) => r.method === 'GET' && ROLE_RANK[r.role] <= rank)
    .sort((a, b) => a.pattern.includes('{') - b.pattern.includes('{'));
  // Links the crawl finds come first (list pages name their first rows),
  // then those of the pages the journeys went through.
  const known = new Set();
  const remember = (paths) => { for (const p of paths || []) known.add(p); };
  const fill = (re) => [...known].find((p) => re.test(p)) || [...(visited[role] || [])].find((p) => re.test(p));
  // Fixed paths first; their links fill placeholders, which may lead to more.
  for (let progress = true; progress && todo.length;) {
    progress = false;
    for (const route of [...todo]) {
      let pathname = route.pattern;
      if (pathname.includes('{')) {
        const re = patternRegex(route.pattern);
        pathname = fill(re);
        if (!pathname) continue;
      }
      todo = todo.filter((r) => r !== route);
      remember(await checkPage(page, role, route, pathname));
      progress = true;
    }
  }
  for (const route of todo) {
    if (route.fallback) await checkPage(page, role, route, route.fallback);
    else tapLine(true, `${role} GET ${route.pattern}`, [], 'SKIP no link or seeded row fills its placeholder');
  }
}

// ---- the run ----

async function main() {
  for (const w of ['1280', '390']) fs.mkdirSync(path.join(outdir, 'screens', w), { recursive: true });
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const visitor = await newPage(browser);
    await journey('visitor searches the catalogue and opens a title', () => visitorSearches(visitor));
    const newcomer = await newPage(browser);
    await journey('visitor registers with a plan', () => visitorRegisters(newcomer));
    const member = await logIn(browser, 'member', seed.member);
    await journey('member places a hold', () => memberPlacesHold(member));
    await journey('member renews a loan', () => memberRenews(member));
    await journey('member pays for a plan with the test provider', () => memberPays(member));
    await journey('member rates and reviews a title they borrowed', () => memberRatesTitle(member));
    const librarian = await logIn(browser, 'librarian', seed.librarian);
    await journey('librarian lends and takes back at the desk', () => librarianDesk(librarian));
    await journey('librarian imports with a preview and undoes it', () => librarianImportsAndUndoes(librarian));
    const admin = await logIn(browser, 'admin', seed.admin);
    await journey('admin edits a circulation rule', () => adminEditsRule(admin));
    await journey('member requests an e-book from its title page', () => memberRequestsEbook(member));
    await journey('librarian grants the e-book request', () => librarianGrantsEbook(librarian));
    await journey('member sees the e-book granted on the account page', () => memberSeesEbookGranted(member));

    console.log(`# journeys done in ${Math.round((Date.now() - started) / 1000)} s`);
    // The roles' crawls overlap: most of a page's time is spent waiting.
    await Promise.all([crawl(visitor, 'anonymous'), crawl(member, 'member'),
      crawl(librarian, 'librarian'), crawl(admin, 'admin')]);
    tapLine(overflows.length === 0, 'no page runs off the right edge at 390 px', overflows);
  } catch (err) {
    tapLine(false, 'the browser suite ran to its end', [err.stack || String(err)]);
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(outdir, 'axe-violations.json'), JSON.stringify(axeReport, null, 1));
  console.log(`# time per phase of the crawl (s): ${Object.entries(phaseTime)
    .map(([k, v]) => `${k} ${Math.round(v / 1000)}`).join(', ')}`);
  console.log(`# ${testNumber} checks in ${Math.round((Date.now() - started) / 1000)} s; ` +
    `every axe finding (all impacts) in axe-violations.json`);
  console.log(`1..${testNumber}`);
  process.exitCode = failures ? 1 : 0;
}

main();
