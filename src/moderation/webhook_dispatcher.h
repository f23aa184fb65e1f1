// Delivers webhook events (include/comity/webhooks.h) from a background thread:
// per webhook, one event at a time in decision order; a non-2xx answer or no
// answer is retried with exponential backoff, and after max_attempts the event
// is logged as given up and the webhook moves on (a replay can send it again).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "comity/webhooks.h"

namespace comity {

struct WebhookOptions {
  std::chrono::milliseconds poll{500};  // how often to look for new decisions
  std::chrono::seconds timeout{10};     // per attempt: connect, send, answer
  int max_attempts = 10;
  std::int64_t first_retry_seconds = 1;  // then doubling, up to max_retry_seconds
  std::int64_t max_retry_seconds = 3600;
};

// What one POST got: the HTTP status, or the reason no status came.
struct WebhookPostResult {
  std::optional<int> status;
  std::string error;
};

// POSTs `body` as JSON to an http:// or https:// URL (certificates verified
// against the system's CAs and the host name), reading at most a small answer.
WebhookPostResult post_webhook(const std::string& url, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::chrono::seconds timeout);

class WebhookDispatcher {
 public:
  WebhookDispatcher(const std::string& data_dir, WebhookOptions options = {});
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void start();
  void stop();
  // One pass over the webhooks that are due: at most one attempt each. Returns
  // the number of attempts made.
  int run_once();

 private:
  WebhookStore store_;
  WebhookOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace comity
