#include "moderation/moderation_routes.h"

namespace comity::server {

void register_thread_analysis_route(HttpServer&, std::shared_ptr<ModerationStore>) {}

}  // namespace comity::server
