// Coral Talk's Perspective integration, request for request: an admin-set custom
// endpoint, `<endpoint>/comments:analyze?key=`, doNotStore, one model attribute,
// languages from the tenant locale, an 800 ms abort; suggestscore when a moderator
// approves or rejects. Coral reads only summaryScore.value and res.ok.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';

import { dataDirBytes, exportFeedback, makeTempDir, runComity, startServer } from './comity_server.mjs';

const PERSPECTIVE_TIMEOUT_MS = 800; // Coral's default PERSPECTIVE_TIMEOUT
const TOXICITY_THRESHOLD = 0.8; // Coral's default, entered as 80% in the admin UI
const TENANT_URL = 'https://talk.example.org/';
const STORY_URL = 'https://news.example.org/story-1';

// Coral's URL construction: URL object, path.join onto its pathname, key as a param.
function coralUrl(endpoint, operation, key) {
  const url = new URL(endpoint.trim());
  url.pathname = path.join(url.pathname, `/${operation}`);
  url.searchParams.set('key', key.trim());
  return url;
}

async function coralSend(settings, operation, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeout);
  try {
    const res = await fetch(coralUrl(settings.endpoint, operation, settings.key), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const data = res.ok ? await res.json() : null;
    if (!res.ok) await res.arrayBuffer();
    return { ok: res.ok, status: res.status, data };
  } finally {
    clearTimeout(timer);
  }
}

function analyzeBody(text, model = 'TOXICITY') {
  return {
    comment: { text },
    doNotStore: true,
    requestedAttributes: { [model]: {} },
    languages: ['en'], // Coral maps the tenant locale en-US to en
  };
}

// The context entry Coral attaches to every call about a comment.
function coralContext(commentID) {
  return {
    entries: [{
      text: JSON.stringify({
        url: `${STORY_URL}?commentID=${commentID}`,
        reply_to_id_Coral_comment_id: undefined,
        Coral_comment_id: commentID,
      }),
    }],
  };
}

function suggestBody(text, commentID, status, model = 'TOXICITY') {
  return {
    comment: { text },
    context: coralContext(commentID),
    attributeScores: { [model]: { summaryScore: { value: status === 'APPROVED' ? 0 : 1 } } },
    languages: ['en'],
    communityId: `Coral:${TENANT_URL}`,
    clientToken: `comment:${commentID}`,
  };
}

// notifyPerspectiveModerationDecision (Coral's moderation-feedback path): the decision
// itself is the attribute name (APPROVED or DELETED, value 1), the revision text with
// tags stripped, language "EN", and JSON.stringify(body, null, 2) on the wire.
function coralDecisionBody(text, commentID, decision) {
  return {
    comment: { text },
    context: coralContext(commentID),
    attributeScores: { [decision]: { summaryScore: { value: 1 } } },
    languages: ['EN'],
    communityId: `Coral:${TENANT_URL}`,
    clientToken: `comment:${commentID}`,
  };
}

async function coralSendPretty(settings, operation, body) {
  const url = `${settings.endpoint}/${operation}?key=${settings.key}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body, null, 2),
  });
  const text = await res.text();
  return { ok: res.ok, status: res.status, data: res.ok ? JSON.parse(text) : null, text };
}

describe('Coral Talk perspective integration', () => {
  let server;
  let dataDir;
  let settings;
  // Unique per run, so finding it in the store can only mean it was written.
  const marker = `zq${crypto.randomBytes(6).toString('hex')}`;
  const privateText = `shut up, you loser ${marker}`;

  before(async () => {
    dataDir = makeTempDir('coral');
    const key = runComity(['keys', 'create', '--data-dir', dataDir, '--name', 'coral', '--rpm', '600'])
      .stdout.trim();
    server = await startServer({ dataDir, noAuth: false });
    // What an admin types into "Custom endpoint" (a trailing slash is tolerated too).
    settings = { endpoint: `${server.baseUrl}/v1alpha1`, key, timeout: PERSPECTIVE_TIMEOUT_MS };
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('the URL Coral builds is the Perspective route with the key', () => {
    const url = coralUrl(`${server.baseUrl}/v1alpha1/`, 'comments:analyze', ' k ');
    assert.equal(url.toString(), `${server.baseUrl}/v1alpha1/comments:analyze?key=k`);
  });

  test('analyze within the timeout; Coral reads summaryScore.value', async () => {
    const toxic = await coralSend(settings, 'comments:analyze', analyzeBody(privateText));
    assert.equal(toxic.ok, true, `status ${toxic.status}`);
    const benign = await coralSend(settings, 'comments:analyze',
      analyzeBody('this tutorial is helpful, thanks for writing it'));
    assert.equal(benign.ok, true);
    const toxicScore = toxic.data.attributeScores.TOXICITY.summaryScore.value;
    const benignScore = benign.data.attributeScores.TOXICITY.summaryScore.value;
    for (const score of [toxicScore, benignScore]) {
      assert.ok(score >= 0 && score <= 1, `${score} in [0,1]`);
    }
    assert.deepEqual(Object.keys(toxic.data.attributeScores), ['TOXICITY']);
    assert.deepEqual(toxic.data.languages, ['en']);
    assert.ok(toxicScore > benignScore, `toxic ${toxicScore} > benign ${benignScore}`);
    // Coral withholds when score > threshold; the benign comment must pass.
    assert.equal(benignScore > TOXICITY_THRESHOLD, false);
  });

  test('an admin-typed model name Perspective lacks fails open (non-2xx)', async () => {
    const res = await coralSend(settings, 'comments:analyze', analyzeBody('hello there', 'SPAM'));
    assert.equal(res.ok, false);
    assert.equal(res.status, 400);
  });

  test('a wrong key gets 400, so Coral fails open', async () => {
    const res = await coralSend({ ...settings, key: 'wrong' }, 'comments:analyze',
      analyzeBody('hello there'));
    assert.equal(res.ok, false);
    assert.equal(res.status, 400);
  });

  test('doNotStore text is never written to the data directory', async () => {
    const bytes = dataDirBytes(dataDir);
    assert.ok(bytes.length > 0, 'the store has files');
    assert.equal(bytes.includes(Buffer.from(marker)), false, 'marker absent from db/wal');
  });

  test('approve and reject send suggestscore; both are accepted', async () => {
    const approved = await coralSend(settings, 'comments:suggestscore',
      suggestBody('lovely article, thank you', 'c-approved', 'APPROVED'));
    assert.equal(approved.ok, true, `status ${approved.status}`);
    assert.equal(approved.data.clientToken, 'comment:c-approved');
    const rejected = await coralSend(settings, 'comments:suggestscore',
      suggestBody('nobody cares, fool', 'c-rejected', 'DELETED'));
    assert.equal(rejected.ok, true, `status ${rejected.status}`);
    assert.equal(rejected.data.clientToken, 'comment:c-rejected');
  });

  test('a moderator decision is sent as its own attribute (DELETED, APPROVED)', async () => {
    for (const [id, decision] of [['c-deleted', 'DELETED'], ['c-kept', 'APPROVED']]) {
      const res = await coralSendPretty(settings, 'comments:suggestscore',
        coralDecisionBody(`decision text for ${id}`, id, decision));
      assert.equal(res.ok, true, `${decision}: status ${res.status} ${res.text}`);
      assert.equal(res.data.clientToken, `comment:${id}`);
    }
    // The same decision in the compact form other Coral releases send.
    const compact = await coralSend(settings, 'comments:suggestscore', {
      comment: { text: 'decision text for c-compact' },
      attributeScores: { DELETED: { summaryScore: { value: 1 } } },
      languages: ['en'],
      doNotStore: false,
      clientToken: 'comment:c-compact',
    });
    assert.equal(compact.ok, true, `compact DELETED: status ${compact.status}`);
  });

  test('after shutdown: moderation verdicts exported, private text still absent', async () => {
    const stopped = await server.stop();
    server = undefined;
    assert.equal(stopped.code, 0);
    assert.equal(dataDirBytes(dataDir).includes(Buffer.from(marker)), false);
    const rows = exportFeedback(dataDir);
    const byToken = Object.fromEntries(rows.map((row) => [row.client_token, row]));
    assert.ok(byToken['comment:c-approved'] && byToken['comment:c-rejected'],
      `exported tokens: ${Object.keys(byToken)}`);
    assert.deepEqual(byToken['comment:c-approved'].labels, { TOXICITY: 0 });
    assert.deepEqual(byToken['comment:c-rejected'].labels, { TOXICITY: 1 });
    assert.equal(byToken['comment:c-rejected'].text, 'nobody cares, fool');
    assert.equal(byToken['comment:c-rejected'].community_id, `Coral:${TENANT_URL}`);
    assert.equal(byToken['comment:c-rejected'].language, 'en');
  });

  test('decisions are exported under the attribute Coral named', () => {
    const rows = exportFeedback(dataDir);
    const byToken = Object.fromEntries(rows.map((row) => [row.client_token, row]));
    assert.deepEqual(byToken['comment:c-deleted']?.labels, { DELETED: 1 },
      `exported: ${JSON.stringify(rows.map((row) => [row.client_token, row.labels]))}`);
    assert.deepEqual(byToken['comment:c-kept']?.labels, { APPROVED: 1 });
    assert.deepEqual(byToken['comment:c-compact']?.labels, { DELETED: 1 });
    assert.equal(byToken['comment:c-deleted'].text, 'decision text for c-deleted');
  });
});
