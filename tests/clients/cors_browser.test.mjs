// A browser calling the API from another origin, as a comment widget on a news page
// does: Debian's chromium (through playwright-core, launched as tests/console does)
// loads a page from one loopback port and `fetch`es comments:analyze on the server's
// port. JSON bodies make chromium send a CORS preflight, so this is the real check:
// an allowed origin gets its answer, any other is blocked by the browser. The
// allow-list's other two sources (environment, TOML file) are checked without a browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { makeTempDir, startServer } from './comity_server.mjs';

const CHROMIUM = process.env.COMITY_CHROMIUM || '/usr/bin/chromium';

// The page a site embeds: one function the test calls with the API's base URL.
const PAGE = `<!doctype html><meta charset="utf-8"><title>news article</title>
<script>
window.scoreComment = async (base, text) => {
  try {
    const response = await fetch(base + '/v1alpha1/comments:analyze', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ comment: { text }, languages: ['en'], requestedAttributes: { TOXICITY: {} } }),
    });
    return { fetched: true, status: response.status, body: await response.json() };
  } catch (error) {
    return { fetched: false, error: String(error) };
  }
};
</script>`;

function servePage() {
  return new Promise((resolve) => {
    const server = http.createServer((request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const originOf = (server) => `http://127.0.0.1:${server.address().port}`;

// A raw request with an Origin header (fetch in Node would not send a preflight).
function rawRequest(baseUrl, method, origin, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}/v1alpha1/comments:analyze`, {
      method, headers: { Origin: origin, ...headers }, agent: false,
    }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(method === 'POST' ? '{"comment":{"text":"hi"},"requestedAttributes":{"TOXICITY":{}}}' : undefined);
  });
}

const preflight = (baseUrl, origin) => rawRequest(baseUrl, 'OPTIONS', origin, {
  'Access-Control-Request-Method': 'POST',
  'Access-Control-Request-Headers': 'content-type',
});

function assertAllowedPreflight(reply, origin) {
  assert.equal(reply.status, 204, `preflight from ${origin}: HTTP ${reply.status}`);
  assert.equal(reply.headers['access-control-allow-origin'], origin);
  assert.match(reply.headers['access-control-allow-methods'] ?? '', /\bPOST\b/);
  assert.match(reply.headers['access-control-allow-headers'] ?? '', /content-type/i);
}

describe('cross-origin fetch from a browser', () => {
  let allowedPage;
  let otherPage;
  let server;
  let browser;

  before(async () => {
    allowedPage = await servePage();
    otherPage = await servePage();
    server = await startServer({
      dataDir: makeTempDir('cors'),
      extraArgs: ['--cors-allowed-origin', originOf(allowedPage),
        '--cors-allowed-origin', 'https://comments.example.org'],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    allowedPage?.close();
    otherPage?.close();
  });

  async function scoreFrom(pageServer) {
    const page = await browser.newPage();
    try {
      await page.goto(`${originOf(pageServer)}/article`);
      return await page.evaluate(([base]) => window.scoreComment(base, 'you are a clown'),
        [server.baseUrl]);
    } finally {
      await page.close();
    }
  }

  test('a page on an allowed origin reads the scores', async () => {
    const result = await scoreFrom(allowedPage);
    assert.equal(result.fetched, true, `fetch failed in the browser: ${result.error}`);
    assert.equal(result.status, 200);
    const value = result.body.attributeScores.TOXICITY.summaryScore.value;
    assert.ok(value >= 0 && value <= 1);
  });

  test('a page on any other origin is blocked by the browser', async () => {
    const result = await scoreFrom(otherPage);
    assert.equal(result.fetched, false,
      `the browser let ${originOf(otherPage)} read the reply (HTTP ${result.status})`);
    assert.match(result.error, /TypeError/);
  });

  test('preflight: 204 with the allow headers for a listed origin only', async () => {
    assertAllowedPreflight(await preflight(server.baseUrl, originOf(allowedPage)), originOf(allowedPage));
    assertAllowedPreflight(await preflight(server.baseUrl, 'https://comments.example.org'),
      'https://comments.example.org');
    const refused = await preflight(server.baseUrl, originOf(otherPage));
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    const post = await rawRequest(server.baseUrl, 'POST', originOf(otherPage),
      { 'Content-Type': 'application/json' });
    assert.equal(post.headers['access-control-allow-origin'], undefined,
      'no CORS header on the answer to an origin not listed');
  });
});

describe('the allow-list from the environment and from the TOML file', () => {
  test('COMITY_CORS_ALLOWED_ORIGINS, comma-separated', async () => {
    const server = await startServer({
      dataDir: makeTempDir('cors-env'),
      env: { COMITY_CORS_ALLOWED_ORIGINS: 'https://a.example.org,https://b.example.org:8443' },
    });
    try {
      assertAllowedPreflight(await preflight(server.baseUrl, 'https://a.example.org'), 'https://a.example.org');
      assertAllowedPreflight(await preflight(server.baseUrl, 'https://b.example.org:8443'),
        'https://b.example.org:8443');
      const other = await preflight(server.baseUrl, 'https://c.example.org');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await server.stop();
    }
  });

  test('cors_allowed_origins in --config', async () => {
    const dir = makeTempDir('cors-toml');
    const config = path.join(dir, 'comity.toml');
    fs.writeFileSync(config, 'cors_allowed_origins = ["https://toml.example.org"]\n');
    const server = await startServer({ dataDir: path.join(dir, 'data'), extraArgs: ['--config', config] });
    try {
      assertAllowedPreflight(await preflight(server.baseUrl, 'https://toml.example.org'),
        'https://toml.example.org');
      const post = await rawRequest(server.baseUrl, 'POST', 'https://toml.example.org',
        { 'Content-Type': 'application/json' });
      assert.equal(post.status, 200);
      assert.equal(post.headers['access-control-allow-origin'], 'https://toml.example.org');
    } finally {
      await server.stop();
    }
  });
});
