// Webhooks: a signed POST to a site's URL for every moderation decision (the
// policy's and moderators'), in decision order, retried with backoff, each attempt
// in a delivery log, replayable from any decision. The decisions table is the
// outbox (store migration 6), so an event exists exactly when its decision does.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace comity::sqlite {
class Connection;
}

namespace comity {

struct Webhook {
  std::int64_t id = 0;
  std::string url;
  std::string secret;     // HMAC-SHA256 key for X-Comity-Signature
  std::string community;  // empty: every community
  std::string created_at;
  bool disabled = false;
  std::int64_t cursor = 0;    // last decision id done with
  std::int64_t failures = 0;  // failed attempts at the next event
  std::int64_t next_attempt_unix = 0;
};

// One decision as a webhook event.
struct WebhookEvent {
  std::int64_t decision_id = 0;
  std::string json;  // the POST body
};

struct WebhookDelivery {
  std::int64_t id = 0, webhook_id = 0, decision_id = 0, attempt = 0;
  std::optional<int> http_status;
  std::string error;
  bool delivered = false;
  std::string created_at;
};

// The webhook tables of the store's database (`data_dir`/comity.db). Thread-safe.
class WebhookStore {
 public:
  explicit WebhookStore(const std::string& data_dir);
  ~WebhookStore();
  WebhookStore(const WebhookStore&) = delete;
  WebhookStore& operator=(const WebhookStore&) = delete;

  // Throws std::invalid_argument for a URL that is not http:// or https://.
  // `from_start`: deliver every decision already stored; else only later ones.
  Webhook add(const std::string& url, const std::string& secret, const std::string& community,
              bool from_start);
  std::vector<Webhook> list();
  bool remove(std::int64_t id);
  // Deliver again from decision `from_decision` on (and clear the failure count).
  bool replay(std::int64_t id, std::int64_t from_decision);

  // The first decision after the webhook's cursor that it should receive.
  std::optional<WebhookEvent> next_event(const Webhook& webhook);
  // Logs an attempt. Delivered, or the last attempt allowed: the cursor moves past
  // the event. Otherwise the next attempt waits `retry_in_seconds`.
  void record_attempt(const Webhook& webhook, std::int64_t decision_id,
                      std::optional<int> http_status, const std::string& error, bool delivered,
                      bool give_up, std::int64_t retry_in_seconds);
  // Newest first; webhook_id 0: every webhook.
  std::vector<WebhookDelivery> deliveries(std::int64_t webhook_id, std::size_t limit);

 private:
  std::mutex mutex_;
  std::unique_ptr<sqlite::Connection> connection_;
};

// A new signing secret: "whsec_" and 32 random bytes in hex.
std::string generate_webhook_secret();

// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>": what a receiver
// recomputes to check that a POST came from this server and is recent.
std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body);

}  // namespace comity
