/* hostile.c - a loopback HTTP/1.1 server for medprof's load tests. It counts every request
   it receives and answers by path, including in ways a client must survive:

     /ok        200 "ok" with Content-Length (keep-alive)
     /chunked   200 chunked, with a chunk extension and a trailer: "hello world"
     /close     200 with Content-Length and Connection: close, then closes
     /nolen     HTTP/1.0-style body without length, ended by closing
     /http10    an HTTP/1.0 response with Content-Length: the client must reconnect
     /continue  100 Continue, then 200 "ok"
     /split     200 "split body" written one byte at a time
     /404 /500  those statuses with a small body
     /reset     no answer: the connection is reset (RST)
     /garbage   a line that is not HTTP, then close
     /hang      never answers
     /reset-head  part of a header block, then a reset
     /reset-body  headers promising 100 bytes, 10 of them, then a reset
     /cut-body    headers promising 100 bytes, 10 of them, then a normal close
     /extra-body  Content-Length 2 but "ok" plus 5 more bytes on a keep-alive connection
     /big-head    a header block of 1 MB
     /stall       "HTT", then nothing (a server that trickles and stops)
     /big-body    200 with a 100 MB body and Content-Length
     /big-chunked 200 with a 100 MB body in 1 MiB chunks
     /trickle     a 200 "ok" response written one byte a second (other connections go on)
     /hints       103 Early Hints, 100 Continue, then 200 "ok"
     /nolen11     an HTTP/1.1 response without length or Connection header, ended by closing
     /http10-ka   HTTP/1.0 with Connection: keep-alive and Content-Length: the connection stays
     /redirect        302 to /ok
     /redirect-rel    301 to "sub/../ok?from=rel#frag" (relative, dot segments, a fragment)
     /redirect-abs    307 to http://HOST/ok (HOST: the request's Host header)
     /redirect-other  302 to //127.0.0.2:PORT/ok (another host, scheme-relative)
     /redirect-port   302 to http://127.0.0.1:1/ok (another port)
     /redirect-https  302 to https://HOST/ok (another scheme)
     /redirect-loop   302 to itself
     /redirect-303    303 to /ok (a POST becomes a GET)
     /redirect-307    307 to /ok (a POST stays a POST, with its body)
     /redirect-long   302 to /ok?pad=... (a 4000-byte Location)
     /redirect-bad    302 to "/ok bad" (a space: not a URL)
     /stats     {"total":N} (not counted)
   A query string ("?...") is ignored when matching the path.

   usage: hostile [ADDRESS [PORT [early]]]   (default 127.0.0.1 and a free port)
   early: right after accepting, write "HTTP/1.1 200 OK" with a 5-byte body, then never read
   the connection (its receive buffer is kept small, so a large request stalls).
   Prints "port N" on stdout once listening. On SIGINT or SIGTERM prints
   "served total=N ok=N ... accepted=N peak=N bytes=N" (connections accepted, the most open
   at once, request body bytes received) and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *const paths[] = { "/ok", "/chunked", "/close", "/nolen", "/http10",
                                     "/continue", "/split", "/404", "/500", "/reset",
                                     "/garbage", "/hang", "/reset-head", "/reset-body",
                                     "/cut-body", "/extra-body", "/big-head", "/stall",
                                     "/big-body", "/big-chunked", "/trickle", "/hints",
                                     "/nolen11", "/http10-ka", "/redirect", "/redirect-rel",
                                     "/redirect-abs", "/redirect-other", "/redirect-port",
                                     "/redirect-https", "/redirect-loop", "/redirect-303",
                                     "/redirect-307", "/redirect-long", "/redirect-bad", "other" };
#define NPATHS (sizeof paths / sizeof paths[0])

typedef struct conn {
    int fd;
    char *buf;
    size_t len, cap;
    const char *trickle;   /* /trickle: what is still to be written, one byte a second */
    double trickle_at;     /* when the next byte is due */
    struct conn *next;     /* in the list of trickling connections */
    struct conn *prev_open, *next_open; /* in the list of open connections */
} conn;

static volatile sig_atomic_t stop_signal;
static unsigned long served[NPATHS], total, body_bytes, accepted, open_now, peak;
static conn *trickling;
static conn *open_conns; /* every open connection, freed at exit (no leak reports) */

#define BIG_BODY (100ul * 1024 * 1024)
static char big_chunk[1024 * 1024];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig) { stop_signal = sig; }

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
            continue;
        }
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s) { send_all(fd, s, strlen(s)); }

static void drop(int ep, conn *c, int reset)
{
    conn **at;
    for (at = &trickling; *at; at = &(*at)->next)
        if (*at == c) { *at = c->next; break; }
    if (c->prev_open) c->prev_open->next_open = c->next_open;
    else open_conns = c->next_open;
    if (c->next_open) c->next_open->prev_open = c->prev_open;
    open_now--;
    if (reset) {
        struct linger lg = { 1, 0 };
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->buf);
    free(c);
}

/* Writes one trickling byte to every connection whose time has come; returns the seconds
   until the next is due (at most 1). */
static double trickle_due(void)
{
    double now = now_s(), wait = 1.0;
    conn *c;
    for (c = trickling; c; c = c->next) {
        if (*c->trickle && c->trickle_at <= now) {
            send_all(c->fd, c->trickle++, 1);
            c->trickle_at = now + 1.0;
        }
        if (*c->trickle && c->trickle_at - now < wait) wait = c->trickle_at - now;
    }
    return wait > 0 ? wait : 0;
}

/* The value of header name (lower case, with ':') in the request head [head, end). */
static void header_value(const char *head, const char *end, const char *name, char *out, size_t size)
{
    const char *line;
    size_t n = strlen(name);
    out[0] = '\0';
    for (line = head; line && line < end; line = strchr(line, '\n')) {
        if (*line == '\n') line++;
        if (strncasecmp(line, name, n) == 0) {
            const char *v = line + n, *e;
            while (*v == ' ') v++;
            e = v + strcspn(v, "\r\n");
            snprintf(out, size, "%.*s", (int)(e - v), v);
            return;
        }
    }
}

static void redirect(int fd, int code, const char *location)
{
    char head[512];
    snprintf(head, sizeof head, "HTTP/1.1 %d Moved\r\nContent-Length: 0\r\nLocation: ", code);
    send_str(fd, head);
    send_str(fd, location);
    send_str(fd, "\r\n\r\n");
}

/* Answers one request; returns 0 if the connection must be closed now (1: reset). */
static int answer(conn *c, const char *path, const char *host, int *reset)
{
    size_t i;
    char msg[128], loc[600];
    int fd = c->fd;
    *reset = 0;
    if (strcmp(path, "/stats") == 0) {
        snprintf(msg, sizeof msg, "{\"total\":%lu}", total);
        char head[128];
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", strlen(msg));
        send_str(fd, head);
        send_str(fd, msg);
        return 1;
    }
    for (i = 0; i < NPATHS - 1; i++)
        if (strcmp(path, paths[i]) == 0) break;
    served[i]++;
    total++;
    switch (i) {
    case 0: send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); return 1;
    case 1:
        send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n");
        return 1;
    case 2: send_str(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"); return 0;
    case 3: send_str(fd, "HTTP/1.0 200 OK\r\n\r\nuntil close"); return 0;
    case 4: send_str(fd, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"); return 0;
    case 5:
        send_str(fd, "HTTP/1.1 100 Continue\r\n\r\n");
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return 1;
    case 6: {
        const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nsplit body";
        for (; *r; r++) send_all(fd, r, 1);
        return 1;
    }
    case 7: send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"); return 1;
    case 8: send_str(fd, "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\noops"); return 1;
    case 9: *reset = 1; return 0;
    case 10: send_str(fd, "this is not http\r\n\r\n"); return 0;
    case 11: return 2; /* hang: keep the connection, never answer */
    case 12: send_str(fd, "HTTP/1.1 200 OK\r\nContent-Le"); *reset = 1; return 0;
    case 13:
        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        *reset = 1;
        return 0;
    case 14: send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"); return 0;
    case 15: send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"); return 1;
    case 16: {
        static char filler[1024];
        int k;
        memset(filler, 'x', sizeof filler - 3);
        memcpy(filler + sizeof filler - 3, "\r\n", 3);
        send_str(fd, "HTTP/1.1 200 OK\r\n");
        for (k = 0; k < 1024; k++) {
            send_str(fd, "X-Filler: ");
            send_str(fd, filler);
        }
        send_str(fd, "Content-Length: 2\r\n\r\nok");
        return 0;
    }
    case 17: send_str(fd, "HTT"); return 2; /* then silence */
    case 18: {
        size_t k;
        snprintf(msg, sizeof msg, "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\n\r\n", BIG_BODY);
        send_str(fd, msg);
        for (k = 0; k < BIG_BODY / sizeof big_chunk; k++) send_all(fd, big_chunk, sizeof big_chunk);
        return 1;
    }
    case 19: {
        size_t k;
        send_str(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (k = 0; k < BIG_BODY / sizeof big_chunk; k++) {
            snprintf(msg, sizeof msg, "%zx\r\n", sizeof big_chunk);
            send_str(fd, msg);
            send_all(fd, big_chunk, sizeof big_chunk);
            send_str(fd, "\r\n");
        }
        send_str(fd, "0\r\n\r\n");
        return 1;
    }
    case 20:
        c->trickle = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        c->trickle_at = now_s();
        c->next = trickling;
        trickling = c;
        trickle_due();
        return 2;
    case 21:
        send_str(fd, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                     "HTTP/1.1 100 Continue\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return 1;
    case 22: send_str(fd, "HTTP/1.1 200 OK\r\n\r\nuntil close"); return 0;
    case 23: send_str(fd, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"); return 1;
    case 24: redirect(fd, 302, "/ok"); return 1;
    case 25: redirect(fd, 301, "sub/../ok?from=rel#frag"); return 1;
    case 26: snprintf(loc, sizeof loc, "http://%s/ok", host); redirect(fd, 307, loc); return 1;
    case 27:
        snprintf(loc, sizeof loc, "//127.0.0.2%s/ok", strchr(host, ':') ? strchr(host, ':') : "");
        redirect(fd, 302, loc);
        return 1;
    case 28: redirect(fd, 302, "http://127.0.0.1:1/ok"); return 1;
    case 29: snprintf(loc, sizeof loc, "https://%s/ok", host); redirect(fd, 302, loc); return 1;
    case 30: redirect(fd, 302, "/redirect-loop"); return 1;
    case 31: redirect(fd, 303, "/ok"); return 1;
    case 32: redirect(fd, 307, "/ok"); return 1;
    case 33: {
        char *long_loc = (char *)malloc(4001);
        memcpy(long_loc, "/ok?pad=", 8);
        memset(long_loc + 8, 'p', 4000 - 8);
        long_loc[4000] = '\0';
        redirect(fd, 302, long_loc);
        free(long_loc);
        return 1;
    }
    case 34: redirect(fd, 302, "/ok bad"); return 1;
    default: send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"); return 1;
    }
}

/* Handles every complete request in the buffer; returns 0 when the connection is gone. */
static int serve(int ep, conn *c)
{
    for (;;) {
        char *end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL, path[256], host[256];
        size_t head, need, clen = 0;
        const char *cl;
        int rc, reset;
        if (!end) return 1;
        head = (size_t)(end - c->buf) + 4;
        if (sscanf(c->buf, "%*s %255s", path) != 1) { drop(ep, c, 0); return 0; }
        path[strcspn(path, "?")] = '\0';
        header_value(c->buf, end, "host:", host, sizeof host);
        for (cl = c->buf; cl < end && (cl = strchr(cl, '\n')) && cl < end; cl++)
            if (strncasecmp(cl + 1, "content-length:", 15) == 0) clen = strtoul(cl + 16, NULL, 10);
        need = head + clen;
        if (c->len < need) return 1;
        body_bytes += clen;
        rc = answer(c, path, host, &reset);
        memmove(c->buf, c->buf + need, c->len - need + 1);
        c->len -= need;
        if (rc == 0) { drop(ep, c, reset); return 0; }
        if (rc == 2) { c->len = 0; c->buf[0] = '\0'; return 1; }
    }
}

static int listen_on(const char *addr, const char *port, int small_rcvbuf)
{
    struct addrinfo hints, *res;
    int fd, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(addr, port, &hints, &res) != 0) return -1;
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (small_rcvbuf) {
        int size = 4096; /* inherited by accepted sockets: a large request cannot fit */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    /* A deep backlog: the load tests open 10,000 connections at once. */
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 65535) != 0) {
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1";
    const char *port = argc > 2 ? argv[2] : "0";
    int early = argc > 3 && strcmp(argv[3], "early") == 0;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    struct sigaction sa;
    struct epoll_event ev, events[64];
    struct rlimit rl;
    int lfd, ep;
    size_t i;
    /* As many descriptors as allowed: one per connection of a 10,000-connection test. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    memset(big_chunk, 'b', sizeof big_chunk);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((lfd = listen_on(addr, port, early)) < 0) { perror("hostile: listen"); return 1; }
    getsockname(lfd, (struct sockaddr *)&ss, &sl);
    printf("port %d\n", ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                       : ((struct sockaddr_in *)&ss)->sin_port));
    fflush(stdout);
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    while (!stop_signal) {
        int n = epoll_wait(ep, events, 64, (int)(trickle_due() * 1000) + 1), k;
        for (k = 0; k < n; k++) {
            conn *c = (conn *)events[k].data.ptr;
            if (!c) {
                /* Every connection waiting, not one per wake-up: with thousands arriving
                   at once the queue would otherwise overflow (the listening socket is
                   non-blocking; accepted ones are blocking). */
                int fd, one = 1;
                while ((fd = accept(lfd, NULL, NULL)) >= 0) {
                    accepted++;
                    if (++open_now > peak) peak = open_now;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (early) {
                        /* Answer before any request, then never read: the descriptor
                           stays open until the server exits. */
                        send_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly");
                        continue;
                    }
                    c = (conn *)calloc(1, sizeof *c);
                    c->fd = fd;
                    c->cap = 4096;
                    c->buf = (char *)malloc(c->cap);
                    c->buf[0] = '\0';
                    c->next_open = open_conns;
                    if (open_conns) open_conns->prev_open = c;
                    open_conns = c;
                    ev.events = EPOLLIN;
                    ev.data.ptr = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->cap - c->len < 2048) {
                c->cap *= 2;
                c->buf = (char *)realloc(c->buf, c->cap);
            }
            {
                ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
                if (r <= 0) {
                    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                    drop(ep, c, 0);
                    continue;
                }
                c->len += (size_t)r;
                c->buf[c->len] = '\0';
                serve(ep, c);
            }
        }
    }
    printf("served total=%lu", total);
    for (i = 0; i < NPATHS; i++) printf(" %s=%lu", paths[i][0] == '/' ? paths[i] + 1 : paths[i], served[i]);
    printf(" accepted=%lu peak=%lu bytes=%lu\n", accepted, peak, body_bytes);
    fflush(stdout);
    while (open_conns) drop(ep, open_conns, 0);
    return 0;
}
