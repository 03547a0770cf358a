/* server.c - the smallest useful HTTP/1.1 keep-alive server, as a load generator's target:
   one epoll thread, answers every request with 200 "ok". Counts nothing, parses only the
   end of each request head ("\r\n\r\n"), so the generator is what gets measured.

   usage: server [PORT]   (default 8200; 0: a free port; 127.0.0.1 only). Prints
   "listening on 127.0.0.1:PORT" once it listens. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

typedef struct conn {
    int fd;
    int matched; /* how much of "\r\n\r\n" the bytes so far end with */
} conn;

/* Counts the request heads that end in buf, carrying a partial match across reads. */
static int count_requests(conn *c, const char *buf, ssize_t n)
{
    static const char end[] = "\r\n\r\n";
    int found = 0;
    ssize_t i;
    for (i = 0; i < n; i++) {
        if (buf[i] == end[c->matched]) c->matched++;
        else c->matched = buf[i] == '\r' ? 1 : 0;
        if (c->matched == 4) { found++; c->matched = 0; }
    }
    return found;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8200, lfd, ep, one = 1;
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    struct epoll_event ev, events[256];
    char buf[65536], out[64 * sizeof reply];
    signal(SIGPIPE, SIG_IGN);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
        perror("bench server: listen");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1), i;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return 1;
        for (i = 0; i < n; i++) {
            conn *c = (conn *)events[i].data.ptr;
            ssize_t r;
            int reqs, k;
            if (!c) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0) continue;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = (conn *)calloc(1, sizeof *c);
                c->fd = fd;
                ev.events = EPOLLIN;
                ev.data.ptr = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                continue;
            }
            r = read(c->fd, buf, sizeof buf);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                close(c->fd);
                free(c);
                continue;
            }
            reqs = count_requests(c, buf, r);
            while (reqs > 0) {
                int batch = reqs < 64 ? reqs : 64;
                for (k = 0; k < batch; k++) memcpy(out + (size_t)k * (sizeof reply - 1), reply, sizeof reply - 1);
                if (write(c->fd, out, (size_t)batch * (sizeof reply - 1)) < 0) break;
                reqs -= batch;
            }
        }
    }
}
