/* Native ping-pong node, laid out as a Zeek node: an XPUB connected to the proxy frontend and an
 * XSUB connected to its backend. "pong" subscribes to "zeek.bench.b" and answers every message
 * with one to "zeek.bench.a"; "ping" subscribes to "zeek.bench.a", waits until the pong's
 * subscription reaches its XPUB, then times WARM + N serial round trips of 4-part messages.
 * usage: pingpong pong|ping XSUB_ENDPOINT XPUB_ENDPOINT WARM N PAYLOAD_BYTES
 * (pong prints "ready"; ping prints "rtt <p50 us> <p99 us>" of the N after the WARM ones) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void send4(void *s, const char *topic, const char *payload, size_t plen) {
  zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE);
  zmq_send(s, "zeromq_native_pingpong", 22, ZMQ_SNDMORE);
  zmq_send(s, "broker-bin-v1", 13, ZMQ_SNDMORE);
  zmq_send(s, payload, plen, 0);
}

/* Receives one whole message. */
static int recv_msg(void *s, zmq_msg_t *m) {
  do {
    if (zmq_msg_recv(m, s, 0) < 0) return -1;
  } while (zmq_msg_more(m));
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s pong|ping XSUB_ENDPOINT XPUB_ENDPOINT WARM N PAYLOAD_BYTES\n", argv[0]);
    return 2;
  }
  int ping = strcmp(argv[1], "ping") == 0;
  long warm = atol(argv[4]);
  long n = atol(argv[5]);
  size_t plen = (size_t)atol(argv[6]);
  char *payload = calloc(1, plen + 1);
  memset(payload, 'p', plen);
  void *ctx = zmq_ctx_new();
  void *pub = zmq_socket(ctx, ZMQ_XPUB);
  void *sub = zmq_socket(ctx, ZMQ_XSUB);
  int one = 1;
  zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof one);
  if (zmq_connect(pub, argv[2]) != 0 || zmq_connect(sub, argv[3]) != 0) {
    fprintf(stderr, "connect: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  const char *mine = ping ? "\001zeek.bench.a" : "\001zeek.bench.b";
  zmq_send(sub, mine, strlen(mine), 0);
  zmq_msg_t m;
  zmq_msg_init(&m);
  if (!ping) {
    /* Ready once our own subscription came back around through the broker to our XPUB. */
    for (;;) {
      if (zmq_msg_recv(&m, pub, 0) < 0) return 1;
      if (zmq_msg_size(&m) == strlen(mine) && memcmp(zmq_msg_data(&m), mine, strlen(mine)) == 0) break;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
      if (recv_msg(sub, &m) < 0) return 1;
      send4(pub, "zeek.bench.a", payload, plen);
    }
  }
  /* ping: wait for the pong's subscription on our XPUB, and for our own (the broker has it). */
  int seen_b = 0, seen_a = 0;
  while (!seen_b || !seen_a) {
    if (zmq_msg_recv(&m, pub, 0) < 0) return 1;
    const char *d = zmq_msg_data(&m);
    size_t len = zmq_msg_size(&m);
    if (len == 13 && memcmp(d, "\001zeek.bench.b", 13) == 0) seen_b = 1;
    if (len == 13 && memcmp(d, "\001zeek.bench.a", 13) == 0) seen_a = 1;
  }
  double *rtt = calloc((size_t)n, sizeof *rtt);
  for (long i = 0; i < warm + n; i++) {
    double t0 = now_us();
    send4(pub, "zeek.bench.b", payload, plen);
    if (recv_msg(sub, &m) < 0) return 1;
    if (i >= warm) rtt[i - warm] = now_us() - t0;
  }
  qsort(rtt, (size_t)n, sizeof *rtt, cmp);
  printf("rtt %.1f %.1f\n", rtt[n / 2], rtt[n * 99 / 100]);
  fflush(stdout);
  return 0;
}
