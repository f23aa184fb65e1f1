// Coral Talk's external moderation phase against a real `comity serve`: the request
// built, serialised and signed as Coral's server does it (phases/external.ts and
// services/fetch in coralproject/talk: JSON.stringify(request, null, 2), one
// `sha256=<hex>` HMAC per active signing secret joined by ",", the phase's timeout
// as an abort), and the answer read as Coral reads it: anything but a 2xx is
// skipped, 204 or an empty body is "no opinion", otherwise it must pass Coral's
// response schema (checked here more strictly: unknown keys fail too).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { makeTempDir, startServer } from './comity_server.mjs';

const SECRET = `ems_${crypto.randomBytes(32).toString('hex')}`;
const PHASE_TIMEOUT_MS = 2000;
const SITE_ID = 'a4bede88-2d2c-4424-bc18-4322a9e285a6';

const STATUSES = ['NONE', 'APPROVED', 'REJECTED', 'PREMOD', 'SYSTEM_WITHHELD'];
const FLAG_REASONS = ['COMMENT_DETECTED_TOXIC', 'COMMENT_DETECTED_SPAM'];
const TAGS = ['FEATURED', 'STAFF'];

function signatures(secrets, body) {
  return secrets
    .map((secret) => crypto.createHmac('sha256', secret).update(body).digest().toString('hex'))
    .map((hex) => `sha256=${hex}`)
    .join(',');
}

function coralRequest(body, {
  author = 'u-ann', parentID = null, action = 'NEW', story = '245b3856-b0a0-4d2f-a6bb-58c71f18d6a6',
} = {}) {
  return {
    action,
    comment: { body, parentID },
    author: { id: author, role: 'COMMENTER' },
    story: { id: story, url: `https://news.example.org/${story}` },
    site: { id: SITE_ID },
    tenantID: '19ba5794-7eeb-4d46-a81b-c00c61672501',
    tenantDomain: 'talk.example.org',
  };
}

function validateResponse(body) {
  assert.equal(typeof body, 'object');
  for (const key of Object.keys(body)) assert.ok(['actions', 'status', 'tags'].includes(key), key);
  if ('status' in body) assert.ok(STATUSES.includes(body.status), body.status);
  for (const action of body.actions ?? []) {
    assert.deepEqual(Object.keys(action).sort(), ['actionType', 'reason']);
    assert.equal(action.actionType, 'FLAG');
    assert.ok(FLAG_REASONS.includes(action.reason), action.reason);
  }
  for (const tag of body.tags ?? []) assert.ok(TAGS.includes(tag), tag);
  return body;
}

// One phase call as Coral makes it; null where Coral would skip the phase.
async function callPhase(url, request, secrets = [SECRET]) {
  const body = JSON.stringify(request, null, 2);
  const headers = { 'User-Agent': 'Coral Moderation/9.4.0', 'Content-Type': 'application/json' };
  if (secrets.length > 0) headers['X-Coral-Signature'] = signatures(secrets, body);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PHASE_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: 'POST', headers, body, redirect: 'manual', signal: controller.signal,
    });
    const text = await res.text();
    if (!res.ok) return { skipped: res.status, text };
    if (res.status === 204 || text === '' || text === '{}') return { skipped: res.status };
    return { result: validateResponse(JSON.parse(text)) };
  } finally {
    clearTimeout(timer);
  }
}

describe('Coral external moderation phase', () => {
  let server;
  let phaseUrl;
  before(async () => {
    server = await startServer({
      dataDir: makeTempDir('coral-external'),
      env: { COMITY_CORAL_SIGNING_SECRET: SECRET },
    });
    phaseUrl = `${server.baseUrl}/v1/coral/external-moderation`;
    // The site's policy: a deny list, otherwise approve; "strict" holds everything
    // on its score (at_least 0), so neither depends on what the model makes of a text.
    const put = async (community, toml) => {
      const res = await fetch(`${server.baseUrl}/v1/policies/${community}`, {
        method: 'PUT', headers: { 'Content-Type': 'application/toml' }, body: toml,
      });
      assert.equal(res.status, 200, await res.text());
    };
    await put(SITE_ID, '[deny]\naction = "reject"\nterms = ["grobnik"]\n');
    await put('strict', '[[threshold]]\nname = "all"\nattribute = "TOXICITY"\nat_least = 0.0\naction = "hold"\n');
  });
  after(async () => {
    await server?.stop();
  });

  test('policy decisions arrive as Coral statuses', async () => {
    assert.deepEqual((await callPhase(phaseUrl, coralRequest('<p>Thanks for <b>this</b></p>'))).result,
      { status: 'APPROVED' });
    assert.deepEqual((await callPhase(phaseUrl, coralRequest('you <i>grobnik</i>', { author: 'u-bob' }))).result,
      { status: 'REJECTED' });
    assert.deepEqual((await callPhase(`${phaseUrl}?community=strict`, coralRequest('a reply', {
      author: 'u-cy', parentID: 'd79b787f-f406-49a0-a179-72e3652e54be', story: 'strict-story',
    }))).result, {
      status: 'SYSTEM_WITHHELD', actions: [{ actionType: 'FLAG', reason: 'COMMENT_DETECTED_TOXIC' }],
    });
  });

  test('signatures: rotation accepted, unsigned and wrongly signed refused', async () => {
    const request = coralRequest('rotation day', { author: 'u-dee' });
    assert.deepEqual((await callPhase(phaseUrl, request, ['ems_previous_secret', SECRET])).result,
      { status: 'APPROVED' });
    assert.equal((await callPhase(phaseUrl, coralRequest('unsigned'), [])).skipped, 401);
    const forged = await callPhase(phaseUrl, coralRequest('forged'), ['ems_guess']);
    assert.equal(forged.skipped, 403);
    assert.equal(JSON.parse(forged.text).error.status, 'PERMISSION_DENIED');
  });

  test('a resent request gets the same answer and is stored once', async () => {
    const request = coralRequest('said twice', { author: 'u-eve', story: 'strict-story' });
    const first = await callPhase(`${phaseUrl}?community=strict`, request);
    const second = await callPhase(`${phaseUrl}?community=strict`, request);
    assert.deepEqual(second, first);
    const res = await fetch(`${server.baseUrl}/v1/queue?community=strict`);
    const queue = await res.json();
    assert.equal(queue.comments.filter((c) => c.text === 'said twice').length, 1, JSON.stringify(queue));
  });
});
