// poll_oneoff: clock subscriptions (relative, absolute), read/write readiness
// of a file and of stdio, and a ready descriptor beside a long timeout.
#include "guest.h"

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud,
                                       __wasi_clockid_t id, uint64_t timeout,
                                       __wasi_subclockflags_t flags) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof(s));
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = flags;
  return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t ud, __wasi_eventtype_t t,
                                    __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof(s));
  s.userdata = ud;
  s.u.tag = t;
  if (t == __WASI_EVENTTYPE_FD_READ)
    s.u.u.fd_read.file_descriptor = fd;
  else
    s.u.u.fd_write.file_descriptor = fd;
  return s;
}

static void poll(const char* label, __wasi_subscription_t* subs, size_t n,
                 int show_nbytes) {
  __wasi_event_t ev[4];
  memset(ev, 0, sizeof(ev));
  __wasi_size_t got = 0;
  __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, n, &got);
  printf("%s: %s, %u event(s)\n", label, en(e), (unsigned)got);
  for (__wasi_size_t i = 0; e == 0 && i < got && i < 4; i++) {
    printf("  userdata %llu type %u error %s", (unsigned long long)ev[i].userdata,
           ev[i].type, en(ev[i].error));
    if (ev[i].type != __WASI_EVENTTYPE_CLOCK) {
      if (show_nbytes)
        printf(" nbytes %llu", (unsigned long long)ev[i].fd_readwrite.nbytes);
      printf(" hangup %s",
             yn(ev[i].fd_readwrite.flags &
                __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP));
    }
    printf("\n");
  }
}

static uint64_t now(__wasi_clockid_t id) {
  __wasi_timestamp_t t = 0;
  __wasi_errno_t e = __wasi_clock_time_get(id, 1, &t);
  if (e) printf("clock_time_get: %s\n", en(e));
  return t;
}

int main(void) {
  __wasi_subscription_t s[4];
  __wasi_event_t ev[1];
  __wasi_size_t got;
  check("no subscriptions", __wasi_poll_oneoff(s, ev, 0, &got));

  uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 1000000, 0);
  poll("relative 1 ms", s, 1, 0);
  uint64_t t1 = now(__WASI_CLOCKID_MONOTONIC);
  printf("at least 1 ms passed: %s\n", yn(t1 - t0 >= 1000000));

  s[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, t1 + 2000000,
                   __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
  poll("absolute now + 2 ms", s, 1, 0);
  uint64_t t2 = now(__WASI_CLOCKID_MONOTONIC);
  printf("reached the deadline: %s\n", yn(t2 >= t1 + 2000000));

  s[0] = clock_sub(13, __WASI_CLOCKID_REALTIME, 1000000, 0);
  poll("realtime relative 1 ms", s, 1, 0);

  __wasi_fd_t fd;
  check("open hello.txt",
        open_at(PRE, 0, "hello.txt", 0,
                R_FILE_RO | __WASI_RIGHTS_POLL_FD_READWRITE, 0, &fd));
  s[0] = fd_sub(21, __WASI_EVENTTYPE_FD_READ, fd);
  poll("file readable", s, 1, 1);
  // stdin is /dev/null: once a read has returned end of file, the stream
  // has ended and poll reports the hangup.
  uint8_t b[4];
  __wasi_iovec_t iov = {b, sizeof(b)};
  __wasi_size_t n = 99;
  check("read stdin", __wasi_fd_read(0, &iov, 1, &n));
  printf("read %u bytes\n", (unsigned)n);
  s[0] = fd_sub(22, __WASI_EVENTTYPE_FD_READ, 0);
  poll("stdin (at end of file) readable", s, 1, 1);
  s[0] = fd_sub(23, __WASI_EVENTTYPE_FD_WRITE, 1);
  poll("stdout writable", s, 1, 0);

  // A ready descriptor beside a 10 s timeout: only the descriptor fires.
  t0 = now(__WASI_CLOCKID_MONOTONIC);
  s[0] = clock_sub(31, __WASI_CLOCKID_MONOTONIC, 10000000000ull, 0);
  s[1] = fd_sub(32, __WASI_EVENTTYPE_FD_READ, fd);
  poll("10 s timeout + readable file", s, 2, 1);
  t1 = now(__WASI_CLOCKID_MONOTONIC);
  printf("returned before the timeout: %s\n", yn(t1 - t0 < 10000000000ull));
  return 0;
}
