/* The native reference proxy: XSUB frontend + XPUB backend joined by zmq_proxy, configured like
 * Zeek's (src/cluster/backend/zeromq/ZeroMQ-Proxy.cc): backend XPUB verboser + nodrop.
 * usage: proxy FRONTEND_ENDPOINT BACKEND_ENDPOINT   (prints the bound endpoints, then runs) */
#include <stdio.h>
#include <zmq.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FRONTEND_XSUB_ENDPOINT BACKEND_XPUB_ENDPOINT\n", argv[0]);
    return 2;
  }
  void *ctx = zmq_ctx_new();
  void *frontend = zmq_socket(ctx, ZMQ_XSUB);
  void *backend = zmq_socket(ctx, ZMQ_XPUB);
  int one = 1;
  zmq_setsockopt(backend, ZMQ_XPUB_VERBOSER, &one, sizeof one);
  zmq_setsockopt(backend, ZMQ_XPUB_NODROP, &one, sizeof one);
  if (zmq_bind(frontend, argv[1]) != 0 || zmq_bind(backend, argv[2]) != 0) {
    fprintf(stderr, "bind: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  char ep[256];
  size_t len = sizeof ep;
  zmq_getsockopt(frontend, ZMQ_LAST_ENDPOINT, ep, &len);
  printf("frontend %s\n", ep);
  len = sizeof ep;
  zmq_getsockopt(backend, ZMQ_LAST_ENDPOINT, ep, &len);
  printf("backend %s\n", ep);
  fflush(stdout);
  zmq_proxy(frontend, backend, NULL);
  return 0;
}
