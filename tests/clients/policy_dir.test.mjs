// `comity serve --policy-dir`: policies kept as files go live at start-up and
// again on SIGHUP, and a broken file on SIGHUP leaves the active version serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, startServer } from './comity_server.mjs';

let server;
let policies;
let dataDir;

const policy = (action) => `name = "files"\ndefault_action = "${action}"\n`;

async function getPolicy(community) {
  const response = await fetch(`${server.baseUrl}/v1/policies/${community}`);
  assert.equal(response.status, 200);
  return response.json();
}

async function waitFor(check, what) {
  const deadline = Date.now() + 10000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  dataDir = makeTempDir('policy-dir-data');
  policies = makeTempDir('policy-dir');
  fs.writeFileSync(path.join(policies, 'news.toml'), policy('hold'));
  server = await startServer({ dataDir, extraArgs: ['--policy-dir', policies] });
});

after(async () => {
  if (server) await server.stop();
  for (const dir of [dataDir, policies]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a community file is live when the server starts', async () => {
  const news = await getPolicy('news');
  assert.equal(news.version, 1);
  assert.equal(news.builtin, false);
  assert.equal(news.toml, policy('hold'));
  const posted = await fetch(`${server.baseUrl}/v1/comments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ community: 'news', thread: { id: 't1' }, comment: { id: 'c1', text: 'hello there' } }),
  });
  assert.equal(posted.status, 200);
  assert.equal((await posted.json()).decision.action, 'hold');
});

test('SIGHUP applies changed files and keeps the active version when one is broken', async () => {
  fs.writeFileSync(path.join(policies, 'news.toml'), policy('approve'));
  fs.writeFileSync(path.join(policies, 'sport.toml'), policy('nudge'));
  server.signal('SIGHUP');
  await waitFor(async () => (await getPolicy('news')).version === 2, 'news version 2');
  assert.equal((await getPolicy('sport')).toml, policy('nudge'));

  fs.writeFileSync(path.join(policies, 'news.toml'), 'name = "broken"\n[[threshold]]\nattribute = "TOXIC"\n');
  server.signal('SIGHUP');
  await waitFor(async () => /policies not reloaded/.test(server.output()), 'the reload error');
  assert.match(server.output(), /news\.toml:3/);
  const news = await getPolicy('news');
  assert.equal(news.version, 2);
  assert.equal(news.toml, policy('approve'));
});
