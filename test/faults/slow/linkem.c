/*
 * linkem: a userspace Ethernet switch with netem-like links, for the multi-host fault test on
 * kernels built without the sch_netem qdisc.
 *
 * It creates one TAP device per name given on the command line (the test moves each into a
 * host's network namespace and gives it the host's address) and switches frames between them
 * like a learning bridge. Every forwarded frame is held for the configured one-way delay and
 * dropped with the configured probability, as `tc qdisc ... netem delay D loss P` on each host's
 * link would do. Frames wait in a FIFO per output port (the delay is the same for all, so FIFO
 * order is due order), bounded like netem's packet limit; frames past the bound are dropped and
 * counted.
 *
 * Commands on stdin, one per line, each answered on stdout:
 *   set <delay_us> <loss_ppm>   -> "ok"
 *   stats                       -> "stats forwarded=N lost=N overflow=N failed=N [last_failure=...]"
 * End of stdin exits. Prints "ready" once every device exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 16
#define QUEUE_LIMIT 10000 /* frames per output port (netem's default limit is 1000) */
#define MAX_FRAME 65536
#define MAX_MACS 256

struct frame {
  uint64_t due_ns;
  uint32_t len;
  unsigned char data[];
};

struct port {
  int fd;
  struct frame *q[QUEUE_LIMIT];
  unsigned head, count;
};

static struct port ports[MAX_PORTS];
static int nports;
static unsigned char macs[MAX_MACS][6];
static int mac_port[MAX_MACS];
static int nmacs;
static uint64_t delay_ns;
static uint32_t loss_ppm;
static uint64_t forwarded, lost, overflow, failed;
static int failed_errno;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t next_random(void) { /* xorshift64*: fixed seed, so runs are comparable */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static int open_tap(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int lookup(const unsigned char *mac) {
  for (int i = 0; i < nmacs; i++)
    if (memcmp(macs[i], mac, 6) == 0) return mac_port[i];
  return -1;
}

static void learn(const unsigned char *mac, int port) {
  if (mac[0] & 1) return; /* a group address is never a source */
  for (int i = 0; i < nmacs; i++)
    if (memcmp(macs[i], mac, 6) == 0) {
      mac_port[i] = port;
      return;
    }
  if (nmacs == MAX_MACS) return;
  memcpy(macs[nmacs], mac, 6);
  mac_port[nmacs++] = port;
}

static void enqueue(int out, const unsigned char *data, uint32_t len, uint64_t due) {
  struct port *p = &ports[out];
  if (p->count == QUEUE_LIMIT) {
    overflow++;
    return;
  }
  struct frame *f = malloc(sizeof *f + len);
  if (f == NULL) {
    overflow++;
    return;
  }
  f->due_ns = due;
  f->len = len;
  memcpy(f->data, data, len);
  p->q[(p->head + p->count++) % QUEUE_LIMIT] = f;
}

static void receive(int in, unsigned char *buf) {
  for (int n = 0; n < 256; n++) { /* a bounded batch, so one busy port cannot starve the others */
    ssize_t len = read(ports[in].fd, buf, MAX_FRAME);
    if (len < 14) return; /* EAGAIN, or not an Ethernet frame */
    if (loss_ppm > 0 && next_random() % 1000000u < loss_ppm) {
      lost++;
      continue;
    }
    learn(buf + 6, in);
    uint64_t due = now_ns() + delay_ns;
    int out = (buf[0] & 1) ? -1 : lookup(buf);
    if (out >= 0) {
      if (out != in) enqueue(out, buf, (uint32_t)len, due);
    } else {
      for (int i = 0; i < nports; i++)
        if (i != in) enqueue(i, buf, (uint32_t)len, due);
    }
  }
}

/* Writes every frame whose time has come; returns the earliest due time still queued (0: none). */
static uint64_t transmit(void) {
  uint64_t t = now_ns(), next = 0;
  for (int i = 0; i < nports; i++) {
    struct port *p = &ports[i];
    while (p->count > 0) {
      struct frame *f = p->q[p->head];
      if (f->due_ns > t) {
        if (next == 0 || f->due_ns < next) next = f->due_ns;
        break;
      }
      if (write(p->fd, f->data, f->len) < 0) {
        if (errno == EAGAIN) {
          next = t + 100000; /* the device is full: retry in 0.1 ms */
          break;
        }
        /* The kernel refused it: EIO for a device not up yet (broadcasts flooded while the test
         * still configures the hosts). Dropped, counted, the last reason kept. */
        failed++;
        failed_errno = errno;
      } else {
        forwarded++;
      }
      free(f);
      p->head = (p->head + 1) % QUEUE_LIMIT;
      p->count--;
    }
  }
  return next;
}

/* Handles the command lines in stdin's buffer; returns 0 at end of input. */
static int command(void) {
  static char line[256];
  static size_t used;
  ssize_t n = read(0, line + used, sizeof line - 1 - used);
  if (n <= 0) return 0;
  used += (size_t)n;
  char *nl;
  while ((nl = memchr(line, '\n', used)) != NULL) {
    *nl = 0;
    unsigned long long d;
    unsigned long l;
    if (sscanf(line, "set %llu %lu", &d, &l) == 2) {
      delay_ns = (uint64_t)d * 1000ull;
      loss_ppm = (uint32_t)l;
      printf("ok\n");
    } else if (strcmp(line, "stats") == 0) {
      printf("stats forwarded=%llu lost=%llu overflow=%llu failed=%llu%s%s\n", (unsigned long long)forwarded, (unsigned long long)lost,
             (unsigned long long)overflow, (unsigned long long)failed, failed ? " last_failure=" : "", failed ? strerror(failed_errno) : "");
    } else {
      printf("error unknown command\n");
    }
    fflush(stdout);
    used -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, used);
  }
  if (used == sizeof line - 1) used = 0; /* an overlong line is discarded */
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc - 1 > MAX_PORTS) {
    fprintf(stderr, "usage: linkem TAP TAP [TAP...] (2 to %d devices)\n", MAX_PORTS);
    return 2;
  }
  for (int i = 1; i < argc; i++) {
    int fd = open_tap(argv[i]);
    if (fd < 0) {
      fprintf(stderr, "linkem: cannot create TAP device %s: %s\n", argv[i], strerror(errno));
      return 1;
    }
    ports[nports++].fd = fd;
  }
  printf("ready\n");
  fflush(stdout);

  unsigned char *buf = malloc(MAX_FRAME);
  struct pollfd pfd[MAX_PORTS + 1];
  pfd[0].fd = 0;
  pfd[0].events = POLLIN;
  for (int i = 0; i < nports; i++) {
    pfd[i + 1].fd = ports[i].fd;
    pfd[i + 1].events = POLLIN;
  }
  uint64_t next = 0;
  for (;;) {
    struct timespec wait, *tw = NULL;
    if (next != 0) {
      uint64_t t = now_ns(), w = next > t ? next - t : 0;
      wait.tv_sec = (time_t)(w / 1000000000ull);
      wait.tv_nsec = (long)(w % 1000000000ull);
      tw = &wait;
    }
    if (ppoll(pfd, (nfds_t)nports + 1, tw, NULL) < 0 && errno != EINTR) return 1;
    if (pfd[0].revents & (POLLIN | POLLHUP))
      if (!command()) return 0;
    for (int i = 0; i < nports; i++)
      if (pfd[i + 1].revents & POLLIN) receive(i, buf);
    next = transmit();
  }
}
