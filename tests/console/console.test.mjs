// The moderator console in a real browser (Debian's chromium through
// playwright-core) against a real `comity serve` with API keys on: sign-in,
// keyboard moderation, threads and their analysis, policies by role, markup in comments staying
// text, CSRF refusal and sign-in throttling.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { comityBinary, dataDirBytes, makeTempDir, runComity, sourceDir, startServer, testModel } from '../clients/comity_server.mjs';

const CHROMIUM = process.env.COMITY_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOTS = process.env.COMITY_CONSOLE_SCREENSHOTS || path.join(sourceDir, 'build', 'console-screenshots');
const XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const ADMIN = { name: 'alice', password: 'correct horse battery', role: 'admin' };
const MODERATOR = { name: 'bob', password: 'moderator pass 42', role: 'moderator' };
const HOLD_POLICY = `name = "console-test"
default_action = "approve"

[[threshold]]
name = "toxic"
attribute = "TOXICITY"
at_least = 0.5
action = "hold"
reason = "May be toxic."
`;

let server;
let dataDir;
let browser;
let apiKey;
let moderationApi = true;  // false when this build has no moderation API
const seeded = [];          // {id, text}

function createUser(dataDir, user) {
  const file = path.join(makeTempDir('pw'), 'password');
  fs.writeFileSync(file, `${user.password}\n`, { mode: 0o600 });
  runComity(['users', 'create', '--data-dir', dataDir, '--name', user.name, '--role', user.role,
    '--password-file', file]);
}

async function api(method, route, body, contentType = 'application/json') {
  const response = await fetch(`${server.baseUrl}${route}`, {
    method,
    headers: { 'X-Goog-Api-Key': apiKey, ...(body ? { 'Content-Type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json, text };
}

async function postComment(comment) {
  const reply = await api('POST', '/v1/comments',
    { community: 'news', thread: { id: 'story-1', title: 'Story one' }, comment });
  assert.equal(reply.status, 200, `POST /v1/comments: ${reply.text}`);
  seeded.push({ id: comment.id, text: comment.text, status: reply.json.status });
}

async function signIn(user) {
  const context = await browser.newContext();
  await context.addInitScript(() => localStorage.setItem('comity.community', 'news'));
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${server.baseUrl}/console/`);
  await page.fill('#login-name', user.name);
  await page.fill('#login-password', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector(`[data-testid=user]:has-text("${user.name} (${user.role})")`);
  return { context, page, requests };
}

async function shot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

before(async () => {
  dataDir = makeTempDir('console');
  apiKey = runComity(['keys', 'create', '--data-dir', dataDir, '--name', 'seeder', '--rpm', '0', '--scope', 'admin']).stdout.trim();
  createUser(dataDir, ADMIN);
  createUser(dataDir, MODERATOR);
  // A measured quality beside the model, as `comity eval` leaves models/<name>.eval.json:
  // the Model page must show these figures.
  const model = testModel();
  const version = fs.readFileSync(path.join(sourceDir, 'tests', 'fixtures', 'tiny', 'recipe.toml'), 'utf8')
    .match(/^version = "([^"]+)"/m)[1];
  fs.writeFileSync(model.replace(/\.cmodel$/, '.eval.json'), JSON.stringify({ model: { version },
    suites: { 'tiny-heldout': { attribute: 'TOXICITY', kind: 'binary', n: 40, roc_auc: 0.8125 } } }));
  server = await startServer({ dataDir, noAuth: false, model,
    extraArgs: ['--console-dir', path.join(sourceDir, 'web', 'dist')] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // A policy that holds anything toxic (and rejects nothing), then one thread
  // with replies two levels deep.
  const policy = await api('PUT', '/v1/policies/news', HOLD_POLICY, 'application/toml');
  if (policy.status === 404) {
    moderationApi = false;
    return;
  }
  assert.equal(policy.status, 200, policy.text);
  await postComment({ id: 'c1', author: 'carol', text: 'what a lovely day' });
  await postComment({ id: 'c2', parent: 'c1', author: 'dave', text: 'you are an idiot' });
  await postComment({ id: 'c3', parent: 'c2', author: 'erin', text: 'stop it, you clowns' });
  await postComment({ id: 'c4', parent: 'c1', author: 'frank', text: 'this is stupid and so are you' });
  await postComment({ id: 'c5', parent: 'c1', author: 'mallory', text: `what an idiot ${XSS}` });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('comity users create: hashed passwords, refusals', () => {
  const dataDir = makeTempDir('users');
  const create = (name, role, password) => spawnSync(comityBinary(),
    ['users', 'create', '--data-dir', dataDir, '--name', name, '--role', role], { input: `${password}\n`, encoding: 'utf8' });
  assert.equal(create('carol', 'moderator', 'plenty long secret').status, 0);
  const duplicate = create('carol', 'admin', 'another long secret');
  assert.notEqual(duplicate.status, 0);
  assert.match(duplicate.stderr, /already exists/);
  const short = create('dave', 'moderator', 'short');
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /at least 8/);
  assert.notEqual(create('erin', 'owner', 'plenty long secret').status, 0, 'unknown role');
  const listing = runComity(['users', 'list', '--data-dir', dataDir]).stdout;
  assert.match(listing, /carol\s+moderator/);
  assert.doesNotMatch(listing, /dave|erin/);
  const stored = dataDirBytes(dataDir).toString('latin1');
  assert.ok(!stored.includes('plenty long secret'), 'the password is not stored');
  assert.match(stored, /pbkdf2_sha256\$210000\$[0-9a-f]{32}\$[0-9a-f]{64}/);
});

test('static files: content types, security headers, nothing from another origin', async () => {
  const index = await fetch(`${server.baseUrl}/console/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(index.headers.get('content-security-policy'), /script-src 'self'/);
  const html = await index.text();
  const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)[1];
  const js = await fetch(`${server.baseUrl}${script}`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.doesNotMatch(html, /https?:\/\//, 'the page loads nothing from another origin');
  assert.equal((await fetch(`${server.baseUrl}/console/../../etc/passwd`)).status, 404);
  assert.equal((await fetch(`${server.baseUrl}/console/assets/missing.js`)).status, 404);
  const redirect = await fetch(`${server.baseUrl}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
});

test('sign-in sets an HttpOnly SameSite=Strict cookie; the console API refuses API keys alone', async () => {
  const wrong = await fetch(`${server.baseUrl}/console/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: ADMIN.name, password: 'nope nope nope' }) });
  assert.equal(wrong.status, 401);
  const form = await fetch(`${server.baseUrl}/console/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `name=${ADMIN.name}&password=${encodeURIComponent(ADMIN.password)}` });
  assert.equal(form.status, 415, 'a cross-site form post cannot sign in');
  const good = await fetch(`${server.baseUrl}/console/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: ADMIN.name, password: ADMIN.password }) });
  assert.equal(good.status, 200);
  const cookie = good.headers.get('set-cookie');
  assert.match(cookie, /comity_session=[0-9a-f]{64}/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const withKeyOnly = await fetch(`${server.baseUrl}/console/api/v1/models`, { headers: { 'X-Goog-Api-Key': apiKey } });
  assert.equal(withKeyOnly.status, 401);
});

test('admin clears the queue with keyboard shortcuts; decisions reach the audit log', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const { context, page, requests } = await signIn(ADMIN);
  await page.waitForSelector('[data-testid=queue] li');
  await shot(page, 'queue');
  const held = await page.$$eval('[data-testid=queue] li.item', (items) => items.map((li) => li.dataset.commentId));
  assert.ok(held.length >= 2, `expected held comments, queue had ${held.length}`);
  // Every held item says why and marks the words that drove the score.
  assert.ok(await page.locator('[data-testid=queue] .reasons li').count() >= held.length);
  await page.fill('#reason', 'keyboard test');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const actions = [];
  // First: move down and back up, then edit-and-approve the current item.
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('e');
  await page.waitForSelector('textarea.edit');
  await page.fill('textarea.edit', 'edited by a moderator');
  await page.keyboard.press('Control+Enter');
  actions.push('edit_approve');
  let remaining = held.length - 1;
  while (remaining > 0) {
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=queue] li.item').length === n, remaining);
    await page.keyboard.press(remaining % 2 ? 'r' : 'a');
    actions.push(remaining % 2 ? 'reject' : 'approve');
    remaining -= 1;
  }
  await page.waitForSelector('[data-testid=queue-empty]');
  const audit = await api('GET', '/v1/audit?community=news');
  assert.equal(audit.status, 200, audit.text);
  const decided = audit.json.entries.filter((e) => e.action.startsWith('decision.'));
  assert.deepEqual(decided.map((e) => e.subject).sort(), [...held].sort());
  assert.deepEqual(decided.map((e) => e.action.slice('decision.'.length)).sort(), [...actions].sort());
  // The reason typed before the first decision is that decision's alone: the field
  // empties after it, so later decisions are not audited with it.
  assert.equal(await page.inputValue('#reason'), '', 'the reason field is cleared after a decision');
  for (const entry of decided) {
    assert.equal(entry.actor, ADMIN.name, 'the actor is the signed-in user');
  }
  const withReason = decided.filter((e) => e.detail.reason === 'keyboard test');
  assert.equal(withReason.length, 1, 'only the first decision carries the typed reason');
  assert.equal(withReason[0].action, 'decision.edit_approve');
  assert.ok(decided.filter((e) => e !== withReason[0]).every((e) => e.detail.reason === ''),
    'later decisions have no reason');
  const edited = await api('GET', '/v1/threads/story-1');
  assert.ok(edited.json.comments.some((c) => c.text === 'edited by a moderator'), 'the edit is stored');
  for (const url of requests) assert.ok(url.startsWith(server.baseUrl), `request left the machine: ${url}`);
  await context.close();
});

test('bulk: select with x, reject the selection with one click; the dashboard charts the day', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const thread = { id: 'story-2', title: 'Story two' };
  for (const [id, text] of [['c6', 'you are a moron'], ['c7', 'you are a loser']]) {
    const reply = await api('POST', '/v1/comments', { community: 'news', thread, comment: { id, author: 'troll', text } });
    assert.equal(reply.json.status, 'held', reply.text);
  }
  const { context, page } = await signIn(MODERATOR);
  await page.waitForSelector('[data-testid=queue] li.item');
  assert.equal(await page.locator('[data-testid=queue] li.item').count(), 2);
  await page.locator('h1').click();
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  assert.equal(await page.locator('[data-testid=queue] input[type=checkbox]:checked').count(), 2);
  await page.click('text=Reject selected');
  await page.waitForSelector('[data-testid=queue-empty]');
  const audit = await api('GET', '/v1/audit?community=news');
  const rejects = audit.json.entries.filter((e) => e.action === 'decision.reject' && e.actor === MODERATOR.name);
  assert.deepEqual(rejects.map((e) => e.subject).sort(), ['c6', 'c7']);

  await page.goto(`${server.baseUrl}/console/#/dashboard`);
  await page.waitForSelector('[data-testid=dashboard] svg');
  assert.equal(await page.locator('[data-testid=dashboard] figure').count(), 4);
  assert.ok(await page.locator('[data-testid=dashboard] figure').first().locator('rect.bar').count() >= 1);
  // Comments by status: one bar per status the API counts.
  const statuses = (await api('GET', '/v1/dashboard?community=news')).json.statuses;
  const byStatus = page.locator('[data-testid=dashboard] figure', { hasText: 'Comments by status' });
  assert.equal(await byStatus.locator('rect.bar').count(), Object.keys(statuses).length);
  assert.deepEqual(await byStatus.locator('text.tick:not([text-anchor=end])').allTextContents(), Object.keys(statuses));
  // Actions taken: the moderator's two rejections today, beside the policy's holds.
  const taken = page.locator('[data-testid=dashboard] figure', { hasText: 'Actions taken per day' });
  assert.ok(await taken.locator('.legend li', { hasText: 'moderators: reject' }).count() === 1);
  assert.ok(await taken.locator('.legend li', { hasText: 'policy: hold' }).count() === 1);
  const api_actions = (await api('GET', '/v1/dashboard?community=news')).json.actions;
  const rejected = api_actions.filter((a) => a.by === 'moderator' && a.action === 'reject').reduce((n, a) => n + a.count, 0);
  assert.ok(rejected >= 2, JSON.stringify(api_actions));
  assert.equal(await taken.locator('rect.bar').count(), api_actions.length, 'one bar segment per (day, action, by)');
  await shot(page, 'dashboard');
  await context.close();
});

test('thread view: an indented tree with highlights; markup in a comment stays text', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const { context, page } = await signIn(ADMIN);
  await page.goto(`${server.baseUrl}/console/#/threads`);
  await page.click('text=Story one');
  await page.waitForSelector('[data-testid=thread-tree] li.comment');
  await shot(page, 'thread');
  const depths = await page.$$eval('[data-testid=thread-tree] li.comment', (items) => items.map((li) => Number(li.dataset.depth)));
  assert.equal(depths.length, seeded.length, 'story-1 holds the seeded comments');
  assert.deepEqual([...new Set(depths)].sort(), [0, 1, 2]);
  const indents = await page.$$eval('[data-testid=thread-tree] li.comment', (items) => items.map((li) => parseFloat(getComputedStyle(li).marginLeft)));
  assert.ok(indents[depths.indexOf(2)] > indents[depths.indexOf(0)], 'replies are indented');
  const marks = await page.$$eval('[data-testid=thread-tree] mark.highlight', (m) => m.map((x) => x.textContent));
  assert.ok(marks.includes('idiot'), `highlights are shown: ${marks}`);
  // c2 was edited to "edited by a moderator": the old spans must not mark it.
  assert.equal(await page.locator('[data-comment-id=c2] mark').count(), 0);
  const text = await page.locator('[data-testid=thread-tree]').innerText();
  assert.ok(text.includes(XSS), 'the markup is shown literally');
  assert.equal(await page.locator('[data-testid=thread-tree] img, [data-testid=thread-tree] script').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await context.close();
});

// Another community, so the queue and dry-run counts of the other tests stay as they are.
const TOWN = 'town';
const IMG = '<img src=x onerror="window.__pwned=3">';
const XSS_AUTHOR = '<img src=x onerror="window.__pwned=4">';

async function postTown(thread, comment, doNotStore = false) {
  const reply = await api('POST', '/v1/comments', { community: TOWN, thread, comment, ...(doNotStore ? { doNotStore } : {}) });
  assert.equal(reply.status, 200, `POST /v1/comments: ${reply.text}`);
}

test('thread analysis: figures, heat, flags and signals; the community picker; markup stays text', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const thread = { id: 'parking', title: 'Parking rules' };
  // A rising quarrel p1 -> p2 -> p3 between ann and an author whose name is markup,
  // two near-identical appeals carrying markup, and a reply stored without its text.
  await postTown(thread, { id: 'p1', author: 'ann', text: 'I think the new parking rules are reasonable.' });
  await postTown(thread, { id: 'p2', parent: 'p1', author: XSS_AUTHOR, text: 'You clearly have no idea, you fool.' });
  await postTown(thread, { id: 'p3', parent: 'p2', author: 'ann', text: 'shut up, you clueless loser' });
  await postTown(thread, { id: 'd1', author: 'cy', text: `Everyone should write to the council today ${IMG} and demand free parking for residents.` });
  await postTown(thread, { id: 'd2', author: 'dee', text: `Everyone should write to the council today ${IMG} and demand free parking for all residents!` });
  await postTown(thread, { id: 's1', parent: 'd1', author: 'eve', text: 'kept private' }, true);
  const analysis = await api('GET', '/v1/threads/parking/analysis');
  assert.equal(analysis.status, 200, analysis.text);
  const expected = analysis.json;
  assert.ok(expected.escalations.length >= 1, `the test model escalates p1 -> p3: ${JSON.stringify(expected.escalations)}`);
  assert.equal(expected.author_pairs.length, 1, JSON.stringify(expected.author_pairs));
  assert.deepEqual(expected.duplicates.map((d) => [d.a, d.b]), [['d1', 'd2']]);

  const { context, page, requests } = await signIn(MODERATOR);
  // The picker offers the store's communities and still takes a typed name.
  await page.waitForFunction(() => document.querySelectorAll('#community-options option').length >= 2);
  const offered = await page.$$eval('#community-options option', (o) => o.map((x) => x.value));
  assert.ok(offered.includes('news') && offered.includes(TOWN), `communities offered: ${offered}`);
  await page.fill('#community', TOWN);
  await page.press('#community', 'Enter');
  assert.equal(await page.evaluate(() => localStorage.getItem('comity.community')), TOWN);
  await page.click('nav a:has-text("Threads")');
  await page.click('text=Parking rules');
  await page.waitForSelector('[data-testid=thread-analysis]');
  await page.waitForSelector('[data-testid=thread-tree] li.comment');

  assert.equal(await page.locator('[data-testid=figure-comments] .value').innerText(), '5');
  assert.equal(await page.locator('[data-testid=figure-held] .value').innerText(), String(expected.headline.held));
  const chains = await page.$$eval('[data-testid=escalations] ol.chains > li', (items) =>
    items.map((li) => [...li.querySelectorAll('button[data-jump]')].map((b) => b.dataset.jump)));
  assert.deepEqual(chains, expected.escalations.map((e) => e.ids));
  assert.match(await page.locator('[data-testid=author-pairs]').innerText(), /ann ↔ <img src=x onerror="window.__pwned=4">|<img src=x onerror="window.__pwned=4"> ↔ ann/);
  assert.equal(await page.locator('[data-testid=authors] tbody tr').count(), expected.authors.length);
  assert.ok((await page.locator('[data-testid=duplicates]').innerText()).includes(IMG), 'duplicate texts are quoted as text');
  assert.match(await page.locator('[data-testid=analysis-warnings]').textContent(), /s1.*doNotStore/);

  // Flags on the tree agree with the analysis; every analysed comment has its heat.
  for (const c of expected.comments) {
    const item = page.locator(`[data-testid=thread-tree] li[data-comment-id="${c.id}"]`);
    assert.equal(await item.locator('.heat').count(), 1, `heat on ${c.id}`);
    const escalating = expected.escalations.some((e) => e.ids.includes(c.id));
    assert.equal(await item.locator('[data-flag=escalation]').count(), escalating ? 1 : 0, `escalation flag on ${c.id}`);
    const duplicated = expected.duplicates.some((d) => d.a === c.id || d.b === c.id);
    assert.equal(await item.locator('[data-flag=duplicate]').count(), duplicated ? 1 : 0, `duplicate flag on ${c.id}`);
    const target = c.target && c.target !== 'none' ? c.target : null;
    assert.equal(await item.locator(`[data-flag=target]`).count(), target ? 1 : 0, `target flag on ${c.id}`);
    if (target) assert.equal(await item.locator('[data-flag=target]').getAttribute('data-target'), target);
    if (c.heat.size > 1) assert.match(await item.locator('[data-flag=heat]').innerText(), new RegExp(`subtree ${c.heat.size}`));
  }
  assert.equal(await page.locator('li[data-comment-id=s1] .heat').count(), 0, 's1 is not analysed');

  // A chain's link scrolls to its comment and marks it.
  const last = expected.escalations[0].ids.at(-1);
  await page.locator(`[data-testid=escalations] button[data-jump="${last}"]`).click();
  await page.waitForFunction((id) => document.activeElement?.dataset?.commentId === id, last);
  assert.ok(await page.locator(`li[data-comment-id="${last}"]`).evaluate((li) => li.classList.contains('flash')));
  await shot(page, 'thread-analysis');

  assert.equal(await page.locator('main img, main script').count(), 0, 'no markup from comments or authors became elements');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  for (const url of requests) assert.ok(url.startsWith(server.baseUrl), `request left the machine: ${url}`);
  await context.close();
});

test('thread analysis stays quick on a 300-comment thread', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const words = ['parking', 'council', 'budget', 'bus', 'library', 'bridge', 'market', 'school'];
  const lines = [];
  for (let i = 0; i < 300; ++i) {
    // Top-level every third comment; the others reply to the one before or its parent.
    const parent = i % 3 === 0 ? null : `b${i % 3 === 2 && i % 2 ? i - 2 : i - 1}`;
    const insult = i % 7 === 0 ? ' you clueless loser' : '';
    lines.push(JSON.stringify({ id: `b${i}`, parent, author: `reader${i % 40}`, time: `2026-05-02T10:${String(Math.floor(i / 6)).padStart(2, '0')}:00Z`,
      text: `Comment ${i} about the ${words[i % words.length]} and the ${words[(i * 5) % words.length]} plan number ${i}.${insult}` }));
  }
  const imported = await api('POST', `/v1/threads:import?community=${TOWN}&thread=big&format=jsonl`, lines.join('\n'), 'text/plain');
  assert.equal(imported.status, 200, imported.text);
  assert.equal(imported.json.imported, 300, imported.text);
  const { context, page } = await signIn(ADMIN);
  const started = Date.now();
  await page.goto(`${server.baseUrl}/console/#/threads/big`);
  await page.waitForSelector('[data-testid=thread-analysis]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=thread-tree] li.comment').length === 300);
  const elapsed = Date.now() - started;
  assert.equal(await page.locator('[data-testid=thread-tree] li .heat').count(), 300);
  assert.equal(await page.locator('[data-testid=figure-comments] .value').innerText(), '300');
  // Reported, not asserted: speed belongs in benchmarks, not in pass/fail tests.
  t.diagnostic(`300 comments with their analysis drawn in ${elapsed} ms`);
  await shot(page, 'thread-analysis-300');
  await context.close();
});

test('admin edits a policy and dry-runs it', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const { context, page } = await signIn(ADMIN);
  await page.goto(`${server.baseUrl}/console/#/policies`);
  await page.waitForFunction(() => document.querySelector('#policy-text').value.includes('console-test'));
  const original = await page.inputValue('#policy-text');
  assert.ok(original.trim().length > 0, 'a policy is shown');
  // A stricter bar releases the held comments: the dry run says so, with examples.
  await page.fill('#policy-text', original.replace('at_least = 0.5', 'at_least = 0.99'));
  await page.click('#policy-dry-run');
  await page.waitForSelector('[data-testid=dry-run] table.counts tr');
  // Every comment seeded so far (five here, two in the bulk test), six of them held;
  // the one edited in the queue test was rescored with its new text and is approved
  // by the current policy too, so five change.
  assert.match(await page.locator('[data-testid=dry-run]').innerText(), /7 recent comments, 5 would change/);
  assert.equal(await page.locator('[data-testid=dry-run] .examples li:has-text("hold → approve")').count(), 5);
  const unchanged = await api('GET', '/v1/policies/news');
  assert.ok(unchanged.json.toml.includes('at_least = 0.5'), 'a dry run stores nothing');
  await page.fill('#policy-text', `${original}\n# edited in the console\n`);
  await page.click('#policy-save');
  await page.waitForSelector('[data-testid=policy-status]:has-text("Saved.")');
  await shot(page, 'policy');
  const stored = await api('GET', '/v1/policies/news');
  assert.ok(stored.json.toml.includes('edited in the console'), stored.text);
  const audit = await api('GET', '/v1/audit?community=news');
  const update = audit.json.entries.filter((e) => e.action === 'policy.update');
  assert.equal(update[0].actor, ADMIN.name, 'the policy change is audited under the admin');
  await context.close();
});

test('a moderator cannot save a policy', async () => {
  const { context, page } = await signIn(MODERATOR);
  await page.goto(`${server.baseUrl}/console/#/policies`);
  await page.waitForSelector('#policy-save');
  assert.equal(await page.isDisabled('#policy-save'), true);
  const status = await page.evaluate(async () => {
    const me = await (await fetch('/console/api/me')).json();
    const response = await fetch('/console/api/v1/policies/news', {
      method: 'PUT', headers: { 'Content-Type': 'application/toml', 'X-CSRF-Token': me.csrfToken }, body: '# mine now\n' });
    return response.status;
  });
  assert.equal(status, 403);
  await context.close();
});

test('import: a dry run, then an admin stores a whole Disqus export; moderators may only dry-run', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const exportFile = path.join(sourceDir, 'tests', 'fixtures', 'threads', 'forum.disqus.xml');
  const community = 'imports';
  const { context, page } = await signIn(ADMIN);
  await page.goto(`${server.baseUrl}/console/#/import`);
  await page.fill('#community', community);
  await page.dispatchEvent('#community', 'change');
  await page.waitForSelector(`p.help:has-text("${community}")`);  // the page redrawn for it
  await page.setInputFiles('#import-file', exportFile);
  assert.equal(await page.inputValue('#import-name'), 'forum.disqus', 'the prefix defaults to the file name');
  await page.fill('#import-name', 'forum');
  await page.click('#import-dry-run');
  await page.waitForSelector('[data-testid=import-summary]');
  assert.match(await page.locator('[data-testid=import-summary]').innerText(), /^5 comments would be imported in 2 thread\(s\), 0 skipped/);
  assert.equal((await api('GET', '/v1/threads/forum-9001')).status, 404, 'a dry run stores nothing');

  await page.click('#import-store');
  await page.waitForSelector('[data-testid=import-results] h2:has-text("Imported")');
  assert.match(await page.locator('[data-testid=import-summary]').innerText(), /^5 comments imported in 2 thread\(s\)/);
  const stored = await api('GET', '/v1/threads/forum-9001');
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.json.comments.length, 4);
  const audit = await api('GET', `/v1/audit?community=${community}`);
  assert.equal(audit.json.entries.filter((e) => e.action === 'thread.import').length, 2);
  await page.click('[data-testid=import-results] a:has-text("forum-9001")');
  await page.waitForSelector('[data-testid=thread-tree] li.comment');
  await shot(page, 'import');
  await context.close();

  // A moderator sees the page but cannot store; the proxy refuses a hand-made request too.
  const moderator = await signIn(MODERATOR);
  await moderator.page.goto(`${server.baseUrl}/console/#/import`);
  await moderator.page.waitForSelector('#import-store');
  assert.equal(await moderator.page.isDisabled('#import-store'), true);
  const statuses = await moderator.page.evaluate(async (body) => {
    const me = await (await fetch('/console/api/me')).json();
    const send = (q) => fetch(`/console/api/v1/threads:import?community=imports&prefix=x${q}`, {
      method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-CSRF-Token': me.csrfToken }, body });
    return [(await send('')).status, (await send('&dryRun=true')).status];
  }, fs.readFileSync(exportFile, 'utf8'));
  assert.deepEqual(statuses, [403, 200]);
  await moderator.context.close();
});

test('state-changing console requests need the CSRF header', async () => {
  const { context, page } = await signIn(ADMIN);
  const statuses = await page.evaluate(async () => {
    const body = JSON.stringify({ decisions: [{ comment_id: 1, action: 'approve', reason: 'csrf' }] });
    const headers = { 'Content-Type': 'application/json' };
    const none = await fetch('/console/api/v1/queue/decisions', { method: 'POST', headers, body });
    const wrong = await fetch('/console/api/v1/queue/decisions', { method: 'POST', headers: { ...headers, 'X-CSRF-Token': 'f'.repeat(64) }, body });
    const logout = await fetch('/console/api/logout', { method: 'POST' });
    const models = await fetch('/console/api/v1/models');
    return { none: none.status, wrong: wrong.status, logout: logout.status, models: models.status };
  });
  assert.deepEqual(statuses, { none: 403, wrong: 403, logout: 403, models: 200 });
  await page.goto(`${server.baseUrl}/console/#/models`);
  await page.waitForSelector('[data-testid=model]');
  await shot(page, 'model');
  await page.click('text=Sign out');
  await page.waitForSelector('#login-name');
  const after = await page.evaluate(async () => (await fetch('/console/api/me')).status);
  assert.equal(after, 401, 'the session is gone after signing out');
  await context.close();
});

test('the thread list counts held comments; the audit log and the model read as tables, not JSON', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const { context, page } = await signIn(MODERATOR);
  await page.goto(`${server.baseUrl}/console/#/threads`);
  await page.waitForSelector('ul.threads li');
  const threads = await api('GET', '/v1/threads?community=news');
  const story = threads.json.threads.find((th) => th.id === 'story-1');
  const line = await page.locator('ul.threads li:has-text("Story one")').innerText();
  assert.match(line, new RegExp(`${story.comments} comments`));
  if (story.held > 0) assert.match(line, new RegExp(`${story.held} held`));
  else assert.doesNotMatch(line, /held/);

  await page.goto(`${server.baseUrl}/console/#/audit`);
  await page.waitForSelector('[data-testid=audit] tbody tr');
  const audit = await page.locator('[data-testid=audit]').innerText();
  assert.doesNotMatch(audit, /[{}]/, 'no raw JSON in the audit log');
  assert.match(audit, /policy_version/, 'details are shown as named fields');

  await page.goto(`${server.baseUrl}/console/#/models`);
  await page.waitForSelector('[data-testid=quality] tbody tr');
  const quality = await page.locator('[data-testid=quality]').innerText();
  assert.match(quality, /tiny-heldout/);
  assert.match(quality, /0\.8125/);
  assert.doesNotMatch(await page.locator('main').innerText(), /quality\s*\{\}/);
  await context.close();
});

test('an error goes away with the next action, and no earlier result stays under it', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const { context, page } = await signIn(ADMIN);
  await page.goto(`${server.baseUrl}/console/#/policies`);
  await page.waitForFunction(() => document.querySelector('#policy-text').value.length > 0);
  const good = await page.inputValue('#policy-text');
  await page.click('#policy-dry-run');
  await page.waitForSelector('[data-testid=dry-run] table.counts');
  // A broken policy: its error shows and the previous dry run is gone.
  await page.fill('#policy-text', 'default_action = "maybe"\n');
  await page.click('#policy-dry-run');
  await page.waitForSelector('[role=alert]:not([hidden])');
  assert.match(await page.locator('[role=alert]').innerText(), /Invalid policy/);
  assert.equal(await page.locator('[data-testid=dry-run] table').count(), 0);
  // The good policy again: saved, and the error is gone.
  await page.fill('#policy-text', good);
  await page.click('#policy-save');
  await page.waitForSelector('[data-testid=policy-status]:has-text("Saved.")');
  assert.equal(await page.locator('[role=alert]').isHidden(), true, 'the old error is cleared');
  await context.close();
});

test('on a 390 px phone the navigation stays on screen; the page has an icon; / leads to the console', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addInitScript(() => localStorage.setItem('comity.community', 'news'));
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/`);
  assert.match(page.url(), /\/console\/$/, 'the server root redirects to the console');
  await page.fill('#login-name', MODERATOR.name);
  await page.fill('#login-password', MODERATOR.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=user]');
  const overflow = await page.evaluate(() => {
    const out = [];
    for (const node of document.querySelectorAll('header nav > *')) {
      const box = node.getBoundingClientRect();
      if (box.right > window.innerWidth + 0.5 || box.left < -0.5) out.push(node.textContent);
    }
    return { out, scroll: document.documentElement.scrollWidth, width: window.innerWidth };
  });
  assert.deepEqual(overflow.out, [], 'every navigation item is inside the viewport');
  assert.ok(overflow.scroll <= overflow.width, `no sideways scrolling (${overflow.scroll} > ${overflow.width})`);
  await shot(page, 'phone-390');
  const icon = await page.locator('link[rel=icon]').getAttribute('href');
  assert.match(icon ?? '', /^\/console\/assets\/favicon-[^/]+\.svg$/, 'the page names its icon');
  const served = await fetch(`${server.baseUrl}${icon}`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type'), /^image\/svg\+xml/);
  await context.close();
});

test('the queue shows the article, the parent and the author record; filters, search and paging', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const desk = 'desk';
  assert.equal((await api('PUT', `/v1/policies/${desk}`, 'default_action = "hold"\n', 'application/toml')).status, 200);
  const post = async (id, author, text, parent) => {
    const reply = await api('POST', '/v1/comments', { community: desk,
      thread: { id: 'desk-1', title: 'Budget vote tonight', url: 'https://news.example/budget' },
      comment: { id, author, text, ...(parent ? { parent } : {}) } });
    assert.equal(reply.status, 200, reply.text);
  };
  await post('desk-c1', 'carol', 'The council meets at seven.');
  await post('desk-c2', 'dave', 'what an idiot thing to say', 'desk-c1');
  for (let i = 0; i < 103; ++i) await post(`desk-bulk-${i}`, 'spammer', `buy cheap watches number ${i}`);
  const { context, page } = await signIn(MODERATOR);
  await page.fill('#community', desk);
  await page.dispatchEvent('#community', 'change');
  await page.waitForSelector('[data-testid=queue-total]:has-text("105 held comments, 100 shown")');
  assert.equal(await page.locator('[data-testid=queue] li.item').count(), 100);
  await page.click('#queue-more');
  await page.waitForSelector('[data-testid=queue-total]:has-text("105 shown")');
  assert.equal(await page.locator('#queue-more').isHidden(), true, 'nothing more to load');

  await page.fill('#queue-author', 'dave');
  await page.dispatchEvent('#queue-author', 'change');
  await page.waitForSelector('[data-testid=queue-total]:has-text("1 held comment, 1 shown")');
  const item = page.locator('[data-testid=queue] li.item').first();
  assert.equal(await item.getAttribute('data-comment-id'), 'desk-c2');
  assert.equal(await item.locator('[data-testid=queue-article]').innerText(), 'Budget vote tonight');
  assert.match(await item.locator('[data-testid=parent-comment]').innerText(), /in reply to carol: The council meets at seven\./);
  assert.match(await item.locator('[data-testid=author-history]').innerText(), /1 comment, 1 held, 0 rejected/);
  await shot(page, 'queue-context');

  await page.fill('#queue-author', '');
  await page.fill('#queue-search', 'number 10');
  await page.dispatchEvent('#queue-search', 'change');
  // "number 10", "number 100" to "number 102".
  await page.waitForSelector('[data-testid=queue-total]:has-text("4 held comments")');
  await page.selectOption('#queue-sort', 'newest');
  await page.waitForFunction(() => document.querySelector('[data-testid=queue] li.item')?.dataset.commentId === 'desk-bulk-102');

  // Acting on the author from the queue: a 24-hour suspension with the typed reason.
  await page.fill('#queue-search', '');
  await page.fill('#queue-author', 'dave');
  await page.dispatchEvent('#queue-author', 'change');
  await page.waitForSelector('[data-testid=queue-total]:has-text("1 held comment")');
  await page.fill('#reason', 'insults again');
  await page.click('[data-testid=queue] li.item button[data-action=suspend]');
  await page.waitForSelector('p.status:has-text("dave: suspended for 24 h")');
  const dave = await api('GET', '/v1/authors/desk/dave');
  assert.equal(dave.json.standing.standing, 'suspended', dave.text);
  assert.equal(dave.json.standing.reason, 'insults again');
  assert.equal(dave.json.standing.actor, MODERATOR.name);
  const after = await api('POST', '/v1/comments', { community: desk, thread: { id: 'desk-1' },
    comment: { id: 'desk-c3', author: 'dave', text: 'back again' } });
  assert.equal(after.json.decision.action, 'reject', 'a suspended author is rejected');

  // Acting from the thread view: reject the parent comment there.
  await page.goto(`${server.baseUrl}/console/#/threads/desk-1`);
  await page.click('[data-comment-id="desk-c1"] button[data-action=reject]');
  await page.waitForSelector('[data-comment-id="desk-c1"].status-rejected');
  const rejected = await api('GET', '/v1/comments/desk-c1');
  assert.equal(rejected.json.status, 'rejected');
  assert.equal(rejected.json.decision.actor, MODERATOR.name);
  await context.close();
});

test('readers’ reports have a queue of their own; a decision there answers them', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const flagged = await api('POST', '/v1/comments', { community: 'flags', thread: { id: 'flags-1' },
    comment: { id: 'flags-c1', author: 'erin', text: 'buy my course, link in bio' } });
  assert.equal(flagged.status, 200, flagged.text);
  for (const [reporter, reason] of [['r1', 'spam'], ['r2', 'spam'], ['r3', 'abuse']]) {
    const r = await api('POST', '/v1/comments/flags-c1:report', { reporter, reason });
    assert.equal(r.status, 200, r.text);
  }
  const { context, page } = await signIn(MODERATOR);
  await page.fill('#community', 'flags');
  await page.dispatchEvent('#community', 'change');
  await page.goto(`${server.baseUrl}/console/#/reports`);
  await page.waitForSelector('[data-testid=reports] li.item');
  assert.match(await page.locator('[data-testid=report-reasons]').innerText(), /3 reports: spam 2, abuse 1/);
  await shot(page, 'reports');
  await page.click('[data-comment-id="flags-c1"] button[data-action=reject]');
  await page.waitForSelector('[data-testid=reports-total]:has-text("0 reported comments")');
  const stored = await api('GET', '/v1/comments/flags-c1');
  assert.equal(stored.json.status, 'rejected');
  assert.equal(stored.json.decision.actor, MODERATOR.name);
  await context.close();
});

test('the queue shows comments held while it is open, live, without a reload', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const desk = 'live';
  assert.equal((await api('PUT', `/v1/policies/${desk}`, 'default_action = "hold"\n', 'application/toml')).status, 200);
  const post = async (id, time) => {
    const reply = await api('POST', '/v1/comments', { community: desk, thread: { id: 'live-1', title: 'Live story' },
      comment: { id, author: 'gina', time, text: `a comment held as ${id}` } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.status, 'held');
  };
  await post('live-old', '2026-01-01T10:00:00Z');
  const { context, page } = await signIn(MODERATOR);
  await page.fill('#community', desk);
  await page.dispatchEvent('#community', 'change');
  await page.waitForSelector('[data-comment-id="live-old"]');
  await page.selectOption('#queue-sort', 'newest');
  await page.waitForSelector('[data-testid=live-status]:has-text("live")');
  // Whatever happens next must not load the page again: this mark would go.
  await page.evaluate(() => { window.__sameDocument = true; });
  // The cursor is on live-old; a newer comment arrives above it.
  assert.equal(await page.getAttribute('[data-testid=queue] li.current', 'data-comment-id'), 'live-old');
  await post('live-new', '2026-01-02T10:00:00Z');
  await page.waitForSelector('[data-comment-id="live-new"] [data-testid=new-badge]');
  assert.deepEqual(await page.$$eval('[data-testid=queue] li.item', (items) => items.map((li) => li.dataset.commentId)),
    ['live-new', 'live-old'], 'the new comment is listed first (newest first)');
  assert.match(await page.innerText('[data-testid=live-status]'), /new: #live-new/);
  assert.equal(await page.getAttribute('[data-testid=queue] li.current', 'data-comment-id'), 'live-old',
    'the cursor stays on the comment it was on');
  await shot(page, 'queue-live');
  // Another moderator decides over the API: the comment leaves this page's queue.
  const decided = await api('POST', '/v1/queue/decisions', { comment_id: 'live-new', action: 'approve', actor: 'carol' });
  assert.equal(decided.status, 200, decided.text);
  await page.waitForFunction(() => !document.querySelector('[data-comment-id="live-new"]'));
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no page reload');
  await context.close();
});

test('undo: the toast and the u key take a decision back; the comment returns to the queue', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const desk = 'undo';
  assert.equal((await api('PUT', `/v1/policies/${desk}`, 'default_action = "hold"\n', 'application/toml')).status, 200);
  for (const id of ['undo-1', 'undo-2']) {
    const reply = await api('POST', '/v1/comments', { community: desk, thread: { id: 'undo-t' },
      comment: { id, author: 'ivan', text: `a comment called ${id}` } });
    assert.equal(reply.json.status, 'held', reply.text);
  }
  const { context, page } = await signIn(MODERATOR);
  await page.fill('#community', desk);
  await page.dispatchEvent('#community', 'change');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue] li.item').length === 2);
  const first = await page.getAttribute('[data-testid=queue] li.current', 'data-comment-id');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('r');
  await page.waitForSelector(`[data-testid=toast-message]:has-text("rejected: #${first}")`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue] li.item').length === 1);
  await shot(page, 'undo-toast');
  // The toast's button: the rejected comment is held again, back in the list.
  await page.click('[data-testid=toast] button[data-action=undo]');
  await page.waitForSelector(`[data-testid=toast-message]:has-text("undone: #${first}")`);
  await page.waitForSelector(`[data-testid=queue] li.item[data-comment-id="${first}"]`);
  let stored = await api('GET', `/v1/comments/${first}`);
  assert.equal(stored.json.status, 'held');
  assert.deepEqual(stored.json.decisions.slice(-2).map((d) => [d.action, d.actor]),
    [['reject', MODERATOR.name], ['undo', MODERATOR.name]]);
  // The u key: approve, then undo from the keyboard.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const current = await page.getAttribute('[data-testid=queue] li.current', 'data-comment-id');
  await page.keyboard.press('a');
  await page.waitForSelector(`[data-testid=toast-message]:has-text("approved: #${current}")`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=queue] li.item').length === 1);
  await page.keyboard.press('u');
  await page.waitForSelector(`[data-testid=queue] li.item[data-comment-id="${current}"]`);
  stored = await api('GET', `/v1/comments/${current}`);
  assert.equal(stored.json.status, 'held');
  assert.equal(stored.json.decision.action, 'undo');
  // An edit replaces the text: no Undo is offered for it.
  await page.keyboard.press('e');
  await page.waitForSelector('textarea.edit');
  await page.fill('textarea.edit', 'a kinder comment');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('[data-testid=toast-message]:has-text("edited and approved")');
  assert.equal(await page.locator('[data-testid=toast] button[data-action=undo]').count(), 0);
  const audit = await api('GET', `/v1/audit?community=${desk}`);
  assert.equal(audit.json.entries.filter((e) => e.action === 'decision.undo').length, 2);
  await context.close();
});

test('author page: standing, record and comments; approve, reject and edit there and in the thread view', async (t) => {
  if (!moderationApi) return t.skip('moderation API missing: PUT /v1/policies is 404 in this build');
  const desk = 'people';
  assert.equal((await api('PUT', `/v1/policies/${desk}`, 'default_action = "hold"\n', 'application/toml')).status, 200);
  const texts = { 'hank-1': 'first thoughts on the park', 'hank-2': 'second thoughts, ruder', 'hank-3': 'third: a typo here' };
  for (const [id, text] of Object.entries(texts)) {
    const reply = await api('POST', '/v1/comments', { community: desk, thread: { id: 'people-t', title: 'The park' },
      comment: { id, author: 'hank', text } });
    assert.equal(reply.status, 200, reply.text);
  }
  const { context, page } = await signIn(MODERATOR);
  await page.fill('#community', desk);
  await page.dispatchEvent('#community', 'change');
  // From the queue, the author's name leads to their page.
  await page.click('[data-comment-id="hank-1"] [data-testid=author-link]');
  await page.waitForSelector('h1:has-text("Author: hank")');
  assert.match(await page.innerText('[data-testid=author-counts]'), /^3 comments: 0 approved, 3 held, 0 rejected, 0 nudged · first seen \d{4}-/);
  assert.match(await page.innerText('[data-testid=author-standing]'), /No standing/);
  assert.deepEqual(await page.$$eval('[data-testid=author-comments] li.item', (items) => items.map((li) => li.dataset.commentId)).then((ids) => ids.sort()),
    ['hank-1', 'hank-2', 'hank-3']);

  // Standing: a 48-hour suspension with its reason, then cleared.
  await page.fill('#standing-reason', 'spamming the park thread');
  await page.fill('#standing-hours', '48');
  await page.click('button[data-action=suspend]');
  await page.waitForSelector('[data-testid=author-standing]:has-text("suspended until")');
  assert.match(await page.innerText('[data-testid=author-standing]'), /spamming the park thread \(by bob/);
  const suspended = await api('GET', `/v1/authors/${desk}/hank`);
  assert.equal(suspended.json.standing.standing, 'suspended');
  const hours = (Date.parse(suspended.json.standing.until) - Date.now()) / 3.6e6;
  assert.ok(hours > 47 && hours <= 48, `suspended for ${hours} h`);
  await page.click('button[data-action=clear]');
  await page.waitForSelector('[data-testid=author-standing]:has-text("No standing")');
  assert.equal((await api('GET', `/v1/authors/${desk}/hank`)).json.standing, null);

  // Decisions from the author page, each shown with the comment's new status.
  const statusOf = (id) => page.innerText(`[data-comment-id="${id}"] [data-testid=comment-status]`);
  await page.click('[data-comment-id="hank-1"] button[data-action=approve]');
  await page.waitForFunction(() => document.querySelector('[data-comment-id="hank-1"] [data-testid=comment-status]')?.textContent?.includes('approved'));
  await page.click('[data-comment-id="hank-2"] button[data-action=reject]');
  await page.waitForFunction(() => document.querySelector('[data-comment-id="hank-2"] [data-testid=comment-status]')?.textContent?.includes('rejected'));
  await page.click('[data-comment-id="hank-3"] button[data-action=edit]');
  await page.fill('[data-comment-id="hank-3"] textarea.edit', 'third: no typo here');
  await page.click('[data-comment-id="hank-3"] button[data-action=save-edit]');
  await page.waitForSelector('[data-comment-id="hank-3"] blockquote:has-text("third: no typo here")');
  assert.match(await statusOf('hank-3'), /approved/);
  assert.match(await page.innerText('[data-testid=author-counts]'), /^3 comments: 2 approved, 0 held, 1 rejected, 0 nudged/);
  await shot(page, 'author-page');
  // The reject is undone from the toast on this page too.
  await page.click('[data-comment-id="hank-2"] button[data-action=approve]');
  await page.waitForSelector('[data-testid=toast-message]:has-text("approved: #hank-2")');
  await page.click('[data-testid=toast] button[data-action=undo]');
  await page.waitForFunction(() => document.querySelector('[data-comment-id="hank-2"] [data-testid=comment-status]')?.textContent?.includes('rejected'));
  for (const [id, status, actor] of [['hank-1', 'approved', MODERATOR.name], ['hank-2', 'rejected', MODERATOR.name], ['hank-3', 'approved', MODERATOR.name]]) {
    const stored = await api('GET', `/v1/comments/${id}`);
    assert.equal(stored.json.status, status, id);
    assert.equal(stored.json.decision.actor, actor, id);
  }
  assert.equal((await api('GET', '/v1/comments/hank-3')).json.text, 'third: no typo here');

  // An author with more comments than a page.
  for (let i = 0; i < 101; ++i) {
    const reply = await api('POST', '/v1/comments', { community: desk, thread: { id: 'people-t' },
      comment: { id: `many-${i}`, author: 'prolific', text: `comment number ${i}` } });
    assert.equal(reply.status, 200, reply.text);
  }
  await page.goto(`${server.baseUrl}/console/#/authors/prolific`);
  await page.waitForSelector('[data-testid=author-total]:has-text("101 comments, newest first, 100 shown")');
  assert.equal(await page.locator('[data-testid=author-comments] li.item').count(), 100);
  await page.click('#author-more');
  await page.waitForSelector('[data-testid=author-total]:text-is("101 comments, newest first")');
  assert.equal(await page.locator('[data-testid=author-comments] li.item').count(), 101);
  assert.equal(await page.locator('#author-more').isHidden(), true, 'nothing more to load');
  const ids = await page.$$eval('[data-testid=author-comments] li.item', (items) => items.map((li) => li.dataset.commentId));
  assert.equal(new Set(ids).size, 101, 'each comment once');

  // The thread view edits too.
  await page.goto(`${server.baseUrl}/console/#/threads/people-t`);
  await page.click('[data-comment-id="hank-1"] button[data-action=edit]');
  await page.fill('[data-comment-id="hank-1"] textarea.edit', 'first thoughts, edited in the thread');
  await page.click('[data-comment-id="hank-1"] button[data-action=save-edit]');
  await page.waitForSelector('[data-comment-id="hank-1"] blockquote:has-text("first thoughts, edited in the thread")');
  const edited = await api('GET', '/v1/comments/hank-1');
  assert.equal(edited.json.text, 'first thoughts, edited in the thread');
  assert.equal(edited.json.decision.action, 'edit_approve');
  await context.close();
});

test('repeated failed sign-ins are throttled', async () => {
  const attempt = (password) => fetch(`${server.baseUrl}/console/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: MODERATOR.name, password }) });
  // This address already failed once (the wrong password in the sign-in test):
  // four more failures reach the limit of five per address.
  const statuses = [];
  for (let i = 0; i < 4; ++i) statuses.push((await attempt('wrong password')).status);
  assert.deepEqual(statuses, [401, 401, 401, 401]);
  const refused = await attempt('wrong password');
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.equal((await attempt(MODERATOR.password)).status, 429, 'even the right password waits out the window');
});

test('the console acts for its users without an API key of its own', async () => {
  const keys = runComity(['keys', 'list', '--data-dir', dataDir]).stdout;
  assert.doesNotMatch(keys, /console/i, 'no key row is created for the console');
  assert.match(keys, /seeder\s+0\s+\S+\s+active/);
  // The API saw the signed-in user, and the access log says so.
  assert.match(server.output(), new RegExp(`"key":"console:${ADMIN.name}"`));
  const exit = await server.stop();
  server = null;
  assert.equal(exit.code, 0, 'comity serve stops cleanly (and, under ASan, without leaks)');
});
