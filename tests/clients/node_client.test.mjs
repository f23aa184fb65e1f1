// Google's own Node client (googleapis@50, the last with commentanalyzer v1alpha1)
// against `comity serve`: the only change a user makes is the rootUrl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { google } from 'googleapis';

import { exportFeedback, makeTempDir, startServer } from './comity_server.mjs';

const TOXIC = 'shut up, you loser. nobody cares, fool';
const BENIGN = 'this tutorial is helpful';
const MIXED = 'What a stupid comment. This tutorial is helpful, thanks.';

function assertProbability(score, where) {
  assert.equal(score.type, 'PROBABILITY', `${where}.type`);
  assert.equal(typeof score.value, 'number', `${where}.value`);
  assert.ok(score.value >= 0 && score.value <= 1, `${where}.value ${score.value} in [0,1]`);
}

describe('googleapis commentanalyzer v1alpha1 client', () => {
  let server;
  let dataDir;
  let rootUrl;
  const client = google.commentanalyzer({ version: 'v1alpha1' });

  before(async () => {
    dataDir = makeTempDir('node-client');
    server = await startServer({ dataDir });
    rootUrl = `${server.baseUrl}/`;
  });

  after(async () => {
    if (server) await server.stop();
  });

  test('analyze returns Perspective-shaped scores with spans', async () => {
    const response = await client.comments.analyze(
      {
        requestBody: {
          comment: { text: MIXED },
          languages: ['en'],
          requestedAttributes: { TOXICITY: {}, INSULT: {} },
          spanAnnotations: true,
          clientToken: 'node-1',
        },
      },
      { rootUrl },
    );
    assert.equal(response.status, 200);
    const body = response.data;
    assert.deepEqual(body.languages, ['en']);
    assert.equal(body.clientToken, 'node-1');
    assert.deepEqual(Object.keys(body.attributeScores).sort(), ['INSULT', 'TOXICITY']);
    const toxicity = body.attributeScores.TOXICITY;
    assertProbability(toxicity.summaryScore, 'TOXICITY.summaryScore');
    assert.ok(Array.isArray(toxicity.spanScores) && toxicity.spanScores.length >= 2,
      `one span per sentence: ${JSON.stringify(toxicity.spanScores)}`);
    let previousEnd = 0;
    for (const span of toxicity.spanScores) {
      assert.ok(Number.isInteger(span.begin) && Number.isInteger(span.end));
      assert.ok(span.begin >= previousEnd && span.end > span.begin && span.end <= MIXED.length);
      assertProbability(span.score, 'spanScores[].score');
      previousEnd = span.end;
    }
    // UTF-16 offsets: slicing the JS string at them gives the sentences back.
    assert.match(MIXED.slice(toxicity.spanScores[0].begin, toxicity.spanScores[0].end),
      /^What a stupid comment/);
    assert.match(MIXED.slice(toxicity.spanScores[1].begin, toxicity.spanScores[1].end),
      /^This tutorial is helpful/);
  });

  test('span offsets are UTF-16 code units for text outside the BMP', async () => {
    const text = '😀😀 shut up, you loser. 😀 this tutorial is helpful.';
    const { data } = await client.comments.analyze(
      {
        requestBody: {
          comment: { text },
          languages: ['en'],
          requestedAttributes: { TOXICITY: {} },
          spanAnnotations: true,
        },
      },
      { rootUrl },
    );
    const spans = data.attributeScores.TOXICITY.spanScores;
    assert.ok(spans.length >= 2);
    assert.ok(spans.at(-1).end <= text.length, 'end within the UTF-16 length');
    assert.match(text.slice(spans.at(-1).begin, spans.at(-1).end), /this tutorial is helpful/);
  });

  test('a toxic comment scores above a benign one', async () => {
    const score = async (text) => {
      const { data } = await client.comments.analyze(
        { requestBody: { comment: { text }, requestedAttributes: { TOXICITY: {} } } },
        { rootUrl },
      );
      // No languages sent: detected, and echoed as the effective language.
      assert.deepEqual(data.languages, ['en']);
      assert.equal(data.attributeScores.TOXICITY.spanScores, undefined,
        'no spanScores unless spanAnnotations');
      return data.attributeScores.TOXICITY.summaryScore.value;
    };
    const toxic = await score(TOXIC);
    const benign = await score(BENIGN);
    assert.ok(toxic > benign, `toxic ${toxic} > benign ${benign}`);
  });

  test('scoreThreshold leaves out attributes below it', async () => {
    const { data } = await client.comments.analyze(
      {
        requestBody: {
          comment: { text: BENIGN },
          languages: ['en'],
          requestedAttributes: { TOXICITY: { scoreThreshold: 1 }, 'INSULT@2': {} },
        },
      },
      { rootUrl },
    );
    assert.deepEqual(Object.keys(data.attributeScores), ['INSULT@2']);
  });

  test('an empty comment is a 400 whose Perspective message reaches the caller', async () => {
    await assert.rejects(
      client.comments.analyze(
        { requestBody: { comment: { text: '' }, requestedAttributes: { TOXICITY: {} } } },
        { rootUrl },
      ),
      (error) => {
        assert.equal(error.code, 400);
        assert.equal(error.message, 'Comment must be non-empty.');
        assert.equal(error.response.status, 400);
        const envelope = error.response.data.error;
        assert.equal(envelope.status, 'INVALID_ARGUMENT');
        assert.equal(envelope.details[0]['@type'],
          'type.googleapis.com/google.commentanalyzer.v1alpha1.Error');
        assert.equal(envelope.details[0].errorType, 'COMMENT_EMPTY');
        return true;
      },
    );
  });

  test('an unsupported language is refused with the message clients parse', async () => {
    await assert.rejects(
      client.comments.analyze(
        {
          requestBody: {
            comment: { text: 'Bonjour à tous' },
            languages: ['fr'],
            requestedAttributes: { TOXICITY: {} },
          },
        },
        { rootUrl },
      ),
      (error) => {
        assert.equal(error.code, 400);
        assert.equal(error.message, 'Attribute TOXICITY does not support request languages: fr');
        assert.equal(error.response.data.error.details[0].errorType,
          'LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE');
        return true;
      },
    );
  });

  test('suggestscore answers like Perspective and is stored as feedback', async () => {
    const { status, data } = await client.comments.suggestscore(
      {
        requestBody: {
          comment: { text: 'Get busy living, or get busy dying.' },
          attributeScores: { TOXICITY: { summaryScore: { value: 0 } } },
          languages: ['en'],
          communityId: '/forum/movies',
          clientToken: 'comment-53922',
        },
      },
      { rootUrl },
    );
    assert.equal(status, 200);
    assert.equal(data.clientToken, 'comment-53922');
    assert.equal(data.attributeScores, undefined);
  });

  test('suggestscore without attributeScores is INVALID_ARGUMENT', async () => {
    await assert.rejects(
      client.comments.suggestscore(
        { requestBody: { comment: { text: 'hello' }, attributeScores: {} } },
        { rootUrl },
      ),
      (error) => {
        assert.equal(error.code, 400);
        assert.equal(error.response.data.error.status, 'INVALID_ARGUMENT');
        return true;
      },
    );
  });

  // googleapis-common rewrites a constructor-level rootUrl by cutting
  // rootUrl.length characters off the default https://commentanalyzer.googleapis.com/...
  // URL and appending the rest, so the path is garbled unless the lengths match.
  test('constructor-level rootUrl garbles the path (client bug): 404 naming that path', async () => {
    const garbling = google.commentanalyzer({ version: 'v1alpha1', rootUrl });
    const defaultUrl = 'https://commentanalyzer.googleapis.com/v1alpha1/comments:analyze';
    const expectedPath = `/${defaultUrl.slice(rootUrl.length)}`;
    assert.notEqual(expectedPath, '/v1alpha1/comments:analyze');
    await assert.rejects(
      garbling.comments.analyze({
        requestBody: { comment: { text: BENIGN }, requestedAttributes: { TOXICITY: {} } },
      }),
      (error) => {
        assert.equal(error.code, 404);
        assert.equal(error.config.url, `${server.baseUrl}${expectedPath}`);
        assert.equal(error.message, `Method not found: POST ${expectedPath}`);
        assert.equal(error.response.data.error.status, 'NOT_FOUND');
        return true;
      },
    );
  });

  test('constructor-level rootUrl works when the per-call rootUrl is also given', async () => {
    // With both, the per-call URL is already ours, so the rewrite keeps its path.
    const both = google.commentanalyzer({ version: 'v1alpha1', rootUrl });
    const { data } = await both.comments.analyze(
      { requestBody: { comment: { text: BENIGN }, requestedAttributes: { TOXICITY: {} } } },
      { rootUrl },
    );
    assertProbability(data.attributeScores.TOXICITY.summaryScore, 'summaryScore');
  });

  test('after shutdown the suggested score is in the feedback export', async () => {
    const stopped = await server.stop();
    server = undefined;
    assert.equal(stopped.code, 0, 'graceful exit on SIGTERM');
    const rows = exportFeedback(dataDir);
    const row = rows.find((r) => r.client_token === 'comment-53922');
    assert.ok(row, `feedback row exported: ${JSON.stringify(rows)}`);
    assert.equal(row.text, 'Get busy living, or get busy dying.');
    assert.deepEqual(row.labels, { TOXICITY: 0 });
    assert.equal(row.community_id, '/forum/movies');
    assert.equal(row.source, 'suggestscore');
    assert.equal(row.language, 'en');
    assert.equal(rows.length, 1, 'analyze calls and rejected suggestions store nothing');
  });
});
