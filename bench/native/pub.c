/* Native publisher: an XPUB (nodrop, like a Zeek node) connected to the proxy frontend; waits for
 * the first subscription, then sends N 4-part messages (topic, node id, format, payload).
 * usage: pub ENDPOINT N TOPIC PAYLOAD_BYTES [SUBSCRIPTIONS]   (waits for SUBSCRIPTIONS
 * subscription messages, default 1, prints "subscribed", then "rate <msgs/s>") */
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
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s ENDPOINT N TOPIC PAYLOAD_BYTES [SUBSCRIPTIONS]\n", argv[0]);
    return 2;
  }
  long n = atol(argv[2]);
  const char *topic = argv[3];
  size_t plen = (size_t)atol(argv[4]);
  char *payload = calloc(1, plen + 1);
  memset(payload, 'p', plen);
  void *ctx = zmq_ctx_new();
  void *s = zmq_socket(ctx, ZMQ_XPUB);
  int one = 1;
  zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof one);
  if (zmq_connect(s, argv[1]) != 0) {
    fprintf(stderr, "connect: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  long subs = argc == 6 ? atol(argv[5]) : 1;
  char sub[512];
  for (long i = 0; i < subs; i++)
    if (zmq_recv(s, sub, sizeof sub, 0) < 1) return 1;
  printf("subscribed\n");
  fflush(stdout);
  const char *node = "worker-1-a1b2c3";
  const char *format = "broker-bin-v1";
  double t0 = now();
  for (long i = 0; i < n; i++) {
    zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE);
    zmq_send(s, node, strlen(node), ZMQ_SNDMORE);
    zmq_send(s, format, strlen(format), ZMQ_SNDMORE);
    zmq_send(s, payload, plen, 0);
  }
  double t1 = now();
  printf("rate %.0f\n", n / (t1 - t0));
  fflush(stdout);
  zmq_close(s);
  zmq_ctx_term(ctx);
  return 0;
}
