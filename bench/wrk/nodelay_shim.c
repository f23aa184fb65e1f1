// LD_PRELOAD shim for a what-if measurement only: sets TCP_NODELAY on every socket
// the server accepts, to show what `comity serve` would do with Nagle's algorithm
// off (cpp-httplib sends headers and body in separate writes; with Nagle on, the
// body waits for the client's delayed ACK, about 40 ms on Linux).
// Build: cc -O2 -shared -fPIC -o nodelay_shim.so nodelay_shim.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void no_delay(int fd) {
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on non-TCP
  }
}

int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  int client = real(fd, addr, len);
  no_delay(client);
  return client;
}

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  int client = real(fd, addr, len, flags);
  no_delay(client);
  return client;
}
