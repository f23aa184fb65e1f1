# Discourse's Perspective plugin (discourse-perspective-api) against `comity serve`,
# with Debian's ruby-excon: the plugin keeps one persistent Excon connection with
# retry_limit 0 and a 3 s read timeout, and its forum posts arrive minutes apart, so
# a server that drops idle keep-alive connections early turns the next post's check
# into an Excon::Error::Socket (nothing retries it). The request is the plugin's:
# same path, `?key=` query, headers and JSON body; only the domain changes.
#
# Run by tests/clients/run.sh through `comity_server.py --auth -- ruby excon_test.rb`,
# which sets COMITY_BASE_URL and COMITY_API_KEY.
require 'excon'
require 'json'
require 'minitest/autorun'

BASE_URL = ENV.fetch('COMITY_BASE_URL')
API_KEY = ENV.fetch('COMITY_API_KEY')
IDLE_GAP = Float(ENV.fetch('COMITY_IDLE_GAP_SECONDS', '10'))
SITE = 'https://forum.example.org'
ANALYZE = '/v1alpha1/comments:analyze'
MAX_BYTES = 20 * 1024 # the plugin's "hard limit from Google API"

class DiscoursePerspectiveExconTest < Minitest::Test
  # DiscoursePerspective.proxy_request_options.
  def connection
    Excon.new(BASE_URL, connect_timeout: 1, read_timeout: 3, write_timeout: 3,
                        ssl_verify_peer: true, retry_limit: 0, persistent: true)
  end

  # DiscoursePerspective::AnalyzeComment#to_json: the post trimmed to 20 KB from the
  # end, doNotStore, a per-user sessionId, one attribute chosen in the site settings.
  def payload(raw, user_id, model)
    raw = raw[0..-5] while raw.bytesize > MAX_BYTES
    attribute = model == 'standard' ? :TOXICITY : :SEVERE_TOXICITY
    { comment: { text: raw }, doNotStore: true, sessionId: "#{SITE}_#{user_id}",
      requestedAttributes: { attribute => { scoreType: 'PROBABILITY' } } }.to_json
  end

  def analyze(conn, body)
    headers = { 'Accept' => '*/*', 'Content-Length' => body.bytesize,
                'Content-Type' => 'application/json', 'User-Agent' => 'Discourse/3.2.0' }
    conn.request(method: :post, path: ANALYZE, query: { key: API_KEY }, headers: headers, body: body)
  end

  # What the plugin keeps: the summary value of the one attribute it asked for.
  def score_of(response, attribute)
    assert_equal 200, response.status, response.body
    value = JSON.parse(response.body).dig('attributeScores', attribute, 'summaryScore', 'value')
    assert_kind_of Float, value
    assert_operator value, :>=, 0.0
    assert_operator value, :<=, 1.0
    value
  end

  def test_two_posts_on_one_connection_with_an_idle_gap
    conn = connection
    first = analyze(conn, payload('you are an idiot and a loser', 7, 'standard'))
    toxic = score_of(first, 'TOXICITY')
    sleep IDLE_GAP
    begin
      second = analyze(conn, payload('thanks, this tutorial is helpful', 8, 'severe toxicity (experimental)'))
    rescue Excon::Error => e
      flunk "the post after a #{IDLE_GAP} s idle gap failed with #{e.class}: #{e.message} " \
            '(the server closed the persistent connection; retry_limit 0 means no retry)'
    end
    score_of(second, 'SEVERE_TOXICITY')
    assert_equal first.local_port, second.local_port,
                 'the second post went out on a new connection: the kept-alive one was closed'
    assert_operator toxic, :>, 0.0
  ensure
    conn&.reset
  end

  def test_a_long_post_trimmed_as_the_plugin_trims_it
    conn = connection
    body = payload('a very long forum post about the bus lanes. ' * 600, 9, 'standard')
    assert_operator JSON.parse(body)['comment']['text'].bytesize, :<=, MAX_BYTES
    score_of(analyze(conn, body), 'TOXICITY')
  ensure
    conn&.reset
  end

  def test_a_wrong_key_is_an_error_status_not_an_exception
    conn = connection
    headers = { 'Content-Type' => 'application/json' }
    response = conn.request(method: :post, path: ANALYZE, query: { key: 'wrong' }, headers: headers,
                            body: payload('hello', 1, 'standard'))
    assert_equal 400, response.status
    assert_equal 'INVALID_ARGUMENT', JSON.parse(response.body).dig('error', 'status')
  ensure
    conn&.reset
  end
end
