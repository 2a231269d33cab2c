/* Native subscriber: an XSUB connected to the proxy backend; subscribes to a prefix and receives
 * N messages, timing from the first to the last.
 * usage: sub ENDPOINT N PREFIX   (prints "ready", then "rate <msgs/s>") */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s ENDPOINT N PREFIX\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  const char *prefix = argv[3];
  void *ctx = zmq_ctx_new();
  void *s = zmq_socket(ctx, ZMQ_XSUB);
  if (zmq_connect(s, argv[1]) != 0) {
    fprintf(stderr, "connect: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  char sub[512];
  sub[0] = 1;
  size_t plen = strlen(prefix);
  memcpy(sub + 1, prefix, plen);
  zmq_send(s, sub, plen + 1, 0);
  printf("ready\n");
  fflush(stdout);
  zmq_msg_t m;
  zmq_msg_init(&m);
  double t0 = 0;
  for (long i = 0; i < n;) {
    if (zmq_msg_recv(&m, s, 0) < 0) return 1;
    if (!zmq_msg_more(&m)) {
      if (i == 0) t0 = now();
      i++;
    }
  }
  double t1 = now();
  printf("rate %.0f\n", (n - 1) / (t1 - t0));
  fflush(stdout);
  zmq_msg_close(&m);
  zmq_close(s);
  zmq_ctx_term(ctx);
  return 0;
}
