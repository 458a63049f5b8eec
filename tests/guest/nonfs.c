// The calls that are not about files: clocks, random_get, sched_yield,
// poll_oneoff on a clock, and sock_* on descriptors that are not sockets.
#include "guest.h"

int main(void) {
  __wasi_timestamp_t rt = 0, m1 = 0, m2 = 0, res = 0;
  check("clock_time_get REALTIME",
        __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt));
  check("clock_time_get MONOTONIC",
        __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &m1));
  check("clock_time_get MONOTONIC",
        __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &m2));
  printf("monotonic did not go backwards: %s\n", yn(m2 >= m1));
  check("clock_res_get REALTIME",
        __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res));
  printf("resolution > 0: %s\n", yn(res > 0));
  check("clock_res_get MONOTONIC",
        __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res));
  printf("resolution > 0: %s\n", yn(res > 0));
  check("clock_time_get PROCESS_CPUTIME_ID",
        __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &rt));
  check("clock_time_get THREAD_CPUTIME_ID",
        __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &rt));
  check("clock_res_get PROCESS_CPUTIME_ID",
        __wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &res));
  check("clock_time_get clock 99", __wasi_clock_time_get(99, 1, &rt));
  check("clock_res_get clock 99", __wasi_clock_res_get(99, &res));

  uint8_t buf[64];
  memset(buf, 0, sizeof(buf));
  check("random_get 64", __wasi_random_get(buf, sizeof(buf)));
  int nonzero = 0;
  for (size_t i = 0; i < sizeof(buf); i++) nonzero += buf[i] != 0;
  printf("random bytes not all zero: %s\n", yn(nonzero > 0));
  check("random_get 0", __wasi_random_get(buf, 0));

  check("sched_yield", __wasi_sched_yield());

  // One relative clock subscription of 1 ms.
  __wasi_subscription_t sub;
  memset(&sub, 0, sizeof(sub));
  sub.userdata = 0x1234abcd;
  sub.u.tag = __WASI_EVENTTYPE_CLOCK;
  sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  sub.u.u.clock.timeout = 1000000;
  sub.u.u.clock.precision = 0;
  sub.u.u.clock.flags = 0;
  __wasi_event_t ev[2];
  memset(ev, 0xee, sizeof(ev));
  __wasi_size_t nev = 0;
  check("poll_oneoff clock 1ms", __wasi_poll_oneoff(&sub, ev, 1, &nev));
  printf("events: %u\n", (unsigned)nev);
  if (nev >= 1)
    printf("event: userdata 0x%llx error %s type %u\n",
           (unsigned long long)ev[0].userdata, en(ev[0].error), ev[0].type);
  __wasi_timestamp_t m3 = 0;
  check("clock_time_get MONOTONIC",
        __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &m3));
  printf("monotonic did not go backwards: %s\n", yn(m3 >= m2));

  // Sockets: none exist.
  check("sock_shutdown(3) (a directory)",
        __wasi_sock_shutdown(3, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
  check("sock_shutdown(99)", __wasi_sock_shutdown(99, __WASI_SDFLAGS_RD));
  check("sock_shutdown(3, unknown flag 4)", __wasi_sock_shutdown(3, 4));
  check("sock_shutdown(99, unknown flag 4)", __wasi_sock_shutdown(99, 4));
  __wasi_fd_t fd;
  check("sock_accept(99)", __wasi_sock_accept(99, 0, &fd));
  check("sock_accept(3) (a directory)", __wasi_sock_accept(3, 0, &fd));
  __wasi_fd_t file;
  check("open hello.txt", open_at(PRE, 0, "hello.txt", 0, R_FILE_RO, 0, &file));
  check("sock_shutdown(file)", __wasi_sock_shutdown(file, __WASI_SDFLAGS_WR));
  __wasi_ciovec_t ci = {(const uint8_t*)"x", 1};
  __wasi_size_t sent;
  check("sock_send(99)", __wasi_sock_send(99, &ci, 1, 0, &sent));
  __wasi_iovec_t ri = {buf, 1};
  __wasi_size_t got;
  __wasi_roflags_t rof;
  check("sock_recv(99)", __wasi_sock_recv(99, &ri, 1, 0, &got, &rof));
  return 0;
}
