// The moderation HTTP API (docs/moderation.md): comment intake with scores and a
// policy decision, the review queue, moderator decisions, threads, policies,
// dry runs, the dashboard and the audit log. Registered as extension routes.
#pragma once
#include <memory>

#include "comity/moderation_store.h"
#include "comity/webhooks.h"
#include "server/http_server.h"

namespace comity::server {

class ModerationEvents;  // moderation/moderation_events.h

// `server` must outlive the routes (they are owned by it); `store` is shared
// with them. Call before server.start().
void register_moderation_routes(HttpServer& server, std::shared_ptr<ModerationStore> store);

// GET /v1/threads/{id}/analysis: the thread report of `comity thread report`
// over a stored thread (src/moderation/thread_analysis_route.cpp). Called by
// register_moderation_routes.
void register_thread_analysis_route(HttpServer& server,
                                    const std::shared_ptr<ModerationStore>& store);

// POST /v1/coral/external-moderation: Coral Talk's external moderation phase,
// answered with the community's policy (src/moderation/coral_external_route.cpp).
// Public route: each request must carry Coral's HMAC signature made with
// config().coral_signing_secret. Called by register_moderation_routes.
// Comments it holds are published to `events` (GET /v1/events).
void register_coral_external_route(HttpServer& server, std::shared_ptr<ModerationStore> store,
                                   std::shared_ptr<ModerationEvents> events);

// GET/POST /v1/webhooks, DELETE /v1/webhooks/{id}, GET /v1/webhooks/{id}/deliveries,
// POST /v1/webhooks/{id}:replay: the webhooks of include/comity/webhooks.h, for
// admin keys (src/moderation/webhook_routes.cpp). `comity serve` registers them with
// the store its deliveries run from.
void register_webhook_routes(HttpServer& server, std::shared_ptr<WebhookStore> store);

}  // namespace comity::server
