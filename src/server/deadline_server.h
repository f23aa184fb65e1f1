// cpp-httplib's server with two guarantees its stock connection loop lacks:
// - a request must arrive whole within one deadline (read_timeout in total, not
//   per read), so a client trickling a byte a second cannot hold a worker forever;
// - an idle keep-alive connection notices stop() within a fraction of a second,
//   so SIGTERM does not wait out every client's keep-alive timeout.
#pragma once
#include <httplib.h>

namespace comity::server {

class DeadlineServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace comity::server
