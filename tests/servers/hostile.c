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
     /stats     {"total":N} (not counted)

   usage: hostile [ADDRESS [PORT]]   (default 127.0.0.1 and a free port)
   Prints "port N" on stdout once listening. On SIGINT or SIGTERM prints
   "served total=N ok=N ... bytes=N" (request bodies received) and exits 0. */
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *const paths[] = { "/ok", "/chunked", "/close", "/nolen", "/http10",
                                     "/continue", "/split", "/404", "/500", "/reset",
                                     "/garbage", "/hang", "/reset-head", "/reset-body",
                                     "/cut-body", "/extra-body", "/big-head", "/stall", "other" };
#define NPATHS (sizeof paths / sizeof paths[0])

typedef struct conn {
    int fd;
    char *buf;
    size_t len, cap;
} conn;

static volatile sig_atomic_t stop_signal;
static unsigned long served[NPATHS], total, body_bytes;

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
    if (reset) {
        struct linger lg = { 1, 0 };
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->buf);
    free(c);
}

/* Answers one request; returns 0 if the connection must be closed now (1: reset). */
static int answer(conn *c, const char *path, int *reset)
{
    size_t i;
    char msg[128];
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
    default: send_str(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"); return 1;
    }
}

/* Handles every complete request in the buffer; returns 0 when the connection is gone. */
static int serve(int ep, conn *c)
{
    for (;;) {
        char *end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL, path[256];
        size_t head, need, clen = 0;
        const char *cl;
        int rc, reset;
        if (!end) return 1;
        head = (size_t)(end - c->buf) + 4;
        if (sscanf(c->buf, "%*s %255s", path) != 1) { drop(ep, c, 0); return 0; }
        for (cl = c->buf; cl < end && (cl = strchr(cl, '\n')) && cl < end; cl++)
            if (strncasecmp(cl + 1, "content-length:", 15) == 0) clen = strtoul(cl + 16, NULL, 10);
        need = head + clen;
        if (c->len < need) return 1;
        body_bytes += clen;
        rc = answer(c, path, &reset);
        memmove(c->buf, c->buf + need, c->len - need + 1);
        c->len -= need;
        if (rc == 0) { drop(ep, c, reset); return 0; }
        if (rc == 2) { c->len = 0; c->buf[0] = '\0'; return 1; }
    }
}

static int listen_on(const char *addr, const char *port)
{
    struct addrinfo hints, *res;
    int fd, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(addr, port, &hints, &res) != 0) return -1;
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
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
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    struct sigaction sa;
    struct epoll_event ev, events[64];
    int lfd, ep;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((lfd = listen_on(addr, port)) < 0) { perror("hostile: listen"); return 1; }
    getsockname(lfd, (struct sockaddr *)&ss, &sl);
    printf("port %d\n", ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                       : ((struct sockaddr_in *)&ss)->sin_port));
    fflush(stdout);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    while (!stop_signal) {
        int n = epoll_wait(ep, events, 64, 1000), k;
        for (k = 0; k < n; k++) {
            conn *c = (conn *)events[k].data.ptr;
            if (!c) {
                int fd = accept(lfd, NULL, NULL), one = 1;
                if (fd < 0) continue;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = (conn *)calloc(1, sizeof *c);
                c->fd = fd;
                c->cap = 4096;
                c->buf = (char *)malloc(c->cap);
                c->buf[0] = '\0';
                ev.events = EPOLLIN;
                ev.data.ptr = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
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
    printf(" bytes=%lu\n", body_bytes);
    fflush(stdout);
    return 0;
}
