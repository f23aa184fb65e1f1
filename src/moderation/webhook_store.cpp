// The webhook tables (store migration 6) and the events they read: decisions
// joined with their comments, in decision id order.
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "comity/comment_status.h"
#include "comity/sha256.h"
#include "comity/store.h"
#include "comity/time.h"
#include "comity/webhooks.h"
#include "store/api_key_secret.h"
#include "store/sqlite_connection.h"

namespace comity {
namespace {

using nlohmann::json;
using sqlite::Statement;

// The comment's status once the decision applied (what the moderation API stored):
// an undo names the status it restored in its reason.
std::string status_after(const std::string& action, const json& reasons) {
  if (const auto status = status_after_decision(action)) return std::string(status_name(*status));
  if (reasons.is_array() && !reasons.empty() && reasons[0].is_object() &&
      reasons[0].value("status", json()).is_string()) {
    return reasons[0]["status"].get<std::string>();
  }
  return std::string(status_name(CommentStatus::kPending));
}

constexpr const char* kWebhookColumns =
    "id, url, secret, community, created_at, disabled_at, cursor, failures, next_attempt_unix";

Webhook read_webhook(Statement& row) {
  Webhook w;
  w.id = row.column_int(0);
  w.url = row.column_text(1);
  w.secret = row.column_text(2);
  w.community = row.column_text(3);
  w.created_at = row.column_text(4);
  w.disabled = !row.column_is_null(5);
  w.cursor = row.column_int(6);
  w.failures = row.column_int(7);
  w.next_attempt_unix = row.column_int(8);
  return w;
}

}  // namespace

std::string generate_webhook_secret() { return "whsec_" + random_hex(32); }

std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body) {
  const std::string hex = hmac_sha256_hex(secret, std::to_string(unix_seconds) + "." + body);
  return "t=" + std::to_string(unix_seconds) + ",v1=" + hex;
}

WebhookStore::WebhookStore(const std::string& data_dir)
    : connection_(sqlite::open_store_connection(data_dir)) {}

WebhookStore::~WebhookStore() = default;

Webhook WebhookStore::add(const std::string& url, const std::string& secret,
                          const std::string& community, bool from_start) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw std::invalid_argument("a webhook URL starts with http:// or https://");
  }
  if (secret.size() < 16) {
    throw std::invalid_argument("a webhook secret takes at least 16 characters");
  }
  std::lock_guard lock(mutex_);
  std::int64_t cursor = 0;
  if (!from_start) {
    cursor = connection_->query_int("SELECT COALESCE(MAX(id), 0) FROM decisions");
  }
  Statement insert(*connection_,
                   "INSERT INTO webhooks(url, secret, community, created_at, cursor)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::string now = utc_now_rfc3339();
  insert.bind(1, std::string_view(url));
  insert.bind(2, std::string_view(secret));
  insert.bind(3, std::string_view(community));
  insert.bind(4, std::string_view(now));
  insert.bind(5, cursor);
  insert.run();
  Webhook w;
  w.id = sqlite3_last_insert_rowid(connection_->get());
  w.url = url;
  w.secret = secret;
  w.community = community;
  w.created_at = now;
  w.cursor = cursor;
  return w;
}

std::vector<Webhook> WebhookStore::list() {
  std::lock_guard lock(mutex_);
  Statement rows(*connection_,
                 std::string("SELECT ") + kWebhookColumns + " FROM webhooks ORDER BY id");
  std::vector<Webhook> out;
  while (rows.step()) out.push_back(read_webhook(rows));
  return out;
}

bool WebhookStore::remove(std::int64_t id) {
  std::lock_guard lock(mutex_);
  Statement erase(*connection_, "DELETE FROM webhooks WHERE id = ?1");
  erase.bind(1, id);
  erase.run();
  return sqlite3_changes(connection_->get()) > 0;
}

bool WebhookStore::replay(std::int64_t id, std::int64_t from_decision) {
  std::lock_guard lock(mutex_);
  Statement update(*connection_,
                   "UPDATE webhooks SET cursor = ?2, failures = 0, next_attempt_unix = 0"
                   " WHERE id = ?1");
  update.bind(1, id);
  update.bind(2, std::max<std::int64_t>(0, from_decision - 1));
  update.run();
  return sqlite3_changes(connection_->get()) > 0;
}

std::optional<WebhookEvent> WebhookStore::next_event(const Webhook& webhook) {
  std::lock_guard lock(mutex_);
  Statement row(*connection_,
                "SELECT d.id, d.action, d.actor, d.reason, d.reasons, d.policy_version,"
                " d.created_at, c.id, c.community, c.thread, c.parent, c.author"
                " FROM decisions d JOIN comments c ON c.id = d.comment"
                " WHERE d.id > ?1 AND (?2 = '' OR c.community = ?2) ORDER BY d.id LIMIT 1");
  row.bind(1, webhook.cursor);
  row.bind(2, std::string_view(webhook.community));
  if (!row.step()) return std::nullopt;
  const std::int64_t id = row.column_int(0);
  const std::string action = row.column_text(1);
  json reasons = json::parse(row.column_text(4), nullptr, false);
  if (reasons.is_discarded()) reasons = json::array();
  const std::string status = status_after(action, reasons);
  json decision = {{"id", id},
                   {"action", action},
                   {"actor", row.column_text(2)},
                   {"reason", row.column_text(3)},
                   {"reasons", std::move(reasons)},
                   {"created_at", row.column_text(6)}};
  if (!row.column_is_null(5)) decision["policy_version"] = row.column_int(5);
  const auto parent = row.column_optional_text(10);
  json event = {{"id", "decision-" + std::to_string(id)},
                {"type", "comment.decided"},
                {"created_at", row.column_text(6)},
                {"community", row.column_text(8)},
                {"comment",
                 {{"id", row.column_text(7)},
                  {"thread", row.column_text(9)},
                  {"parent", parent ? json(*parent) : json(nullptr)},
                  {"author", row.column_text(11)},
                  {"status", status}}},
                {"decision", std::move(decision)}};
  return WebhookEvent{id, event.dump(-1, ' ', false, json::error_handler_t::replace)};
}

void WebhookStore::record_attempt(const Webhook& webhook, std::int64_t decision_id,
                                  std::optional<int> http_status, const std::string& error,
                                  bool delivered, bool give_up, std::int64_t retry_in_seconds) {
  std::lock_guard lock(mutex_);
  connection_->exec("BEGIN IMMEDIATE");
  try {
    Statement log(*connection_,
                  "INSERT INTO webhook_deliveries(webhook_id, decision_id, attempt, http_status,"
                  " error, delivered, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    log.bind(1, webhook.id);
    log.bind(2, decision_id);
    log.bind(3, webhook.failures + 1);
    if (http_status) {
      log.bind(4, std::int64_t{*http_status});
    } else {
      log.bind_null(4);
    }
    log.bind(5, std::string_view(error));
    log.bind(6, std::int64_t{delivered ? 1 : 0});
    log.bind(7, std::string_view(utc_now_rfc3339()));
    log.run();
    // Only if the cursor is still where this attempt started: a replay meanwhile wins.
    Statement update(*connection_,
                     delivered || give_up
                         ? "UPDATE webhooks SET cursor = ?2, failures = 0, next_attempt_unix = 0"
                           " WHERE id = ?1 AND cursor = ?3"
                         : "UPDATE webhooks SET failures = failures + 1, next_attempt_unix = ?4"
                           " WHERE id = ?1 AND cursor = ?3");
    update.bind(1, webhook.id);
    if (delivered || give_up) update.bind(2, decision_id);
    update.bind(3, webhook.cursor);
    if (!(delivered || give_up)) update.bind(4, unix_now() + retry_in_seconds);
    update.run();
    connection_->exec("COMMIT");
  } catch (...) {
    connection_->exec("ROLLBACK");
    throw;
  }
}

std::vector<WebhookDelivery> WebhookStore::deliveries(std::int64_t webhook_id, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement rows(*connection_,
                 "SELECT id, webhook_id, decision_id, attempt, http_status, error, delivered,"
                 " created_at FROM webhook_deliveries WHERE ?1 = 0 OR webhook_id = ?1"
                 " ORDER BY id DESC LIMIT ?2");
  rows.bind(1, webhook_id);
  rows.bind(2, static_cast<std::int64_t>(limit));
  std::vector<WebhookDelivery> out;
  while (rows.step()) {
    WebhookDelivery d;
    d.id = rows.column_int(0);
    d.webhook_id = rows.column_int(1);
    d.decision_id = rows.column_int(2);
    d.attempt = rows.column_int(3);
    if (!rows.column_is_null(4)) d.http_status = static_cast<int>(rows.column_int(4));
    d.error = rows.column_text(5);
    d.delivered = rows.column_int(6) != 0;
    d.created_at = rows.column_text(7);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace comity
