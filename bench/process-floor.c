/* process-floor.c - what each layer of `medprof process` costs on one log, each layer
   measured on its own in the same run, medians of RUNS:
     read      the file read 1 MB at a time and thrown away (what cat does)
     lines     + every line found (memchr)
     hashed    + every tick's first two commas found and its line hashed but the time field
               (what the read-ahead does before it looks a line up among its groups)
     grouped   mp_tick_parse_file with no symbols: grouping, attribution, all of it but ELF
     symbols   mp_tick_parse_file as `medprof process` runs it, node's symbols included
   Wall and CPU seconds (both threads), and wall over `read`. Built and run by hand:
       cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -o /tmp/process-floor \
           bench/process-floor.c -lpthread -ldl -lm
       /tmp/process-floor LOG [RUNS]
   docs/performance.md has the figures and what they say about "3 x cat". */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"
#include <sys/resource.h>

enum { READ, LINES, HASHED, GROUPED, SYMBOLS, NLAYERS };
static const char *const layer_names[NLAYERS] = { "read", "lines", "hashed", "grouped", "symbols" };

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

/* A tick line's hash as the read-ahead takes it: "tick,PC" and what follows the time. */
static uint64_t tick_hash(const char *s, size_t n)
{
    const char *c1, *c2;
    if (n <= 5 || memcmp(s, "tick,", 5) != 0) return 0;
    if (!(c1 = (const char *)memchr(s + 5, ',', n - 5))) return 0;
    if (!(c2 = (const char *)memchr(c1 + 1, ',', (size_t)(s + n - c1 - 1)))) return 0;
    return mp__ra_hash(s, (size_t)(c1 - s), c2, (size_t)(s + n - c2));
}

/* Layers READ, LINES and HASHED; returns a value that depends on all that was looked at, so
   that the compiler keeps the work. */
static uint64_t scan_file(const char *path, int layer)
{
    size_t cap = 1u << 21, have = 0;
    char *buf = (char *)malloc(cap);
    uint64_t sum = 0;
    int fd = open(path, O_RDONLY);
    ssize_t r;
    if (fd < 0 || !buf) {
        perror(path);
        exit(1);
    }
    for (;;) {
        size_t i = 0;
        const char *nl;
        if (have == cap && !(buf = (char *)realloc(buf, cap *= 2))) { /* a line longer than buf */
            perror("realloc");
            exit(1);
        }
        if ((r = read(fd, buf + have, cap - have)) <= 0) break;
        have += (size_t)r;
        if (layer == READ) {
            sum += (unsigned char)buf[have - 1];
            have = 0;
            continue;
        }
        while ((nl = (const char *)memchr(buf + i, '\n', have - i)) != NULL) {
            size_t end = (size_t)(nl - buf);
            sum += layer == HASHED ? tick_hash(buf + i, end - i) : end;
            i = end + 1;
        }
        memmove(buf, buf + i, have - i);
        have -= i;
    }
    if (r < 0) {
        perror(path);
        exit(1);
    }
    close(fd);
    free(buf);
    return sum;
}

static void parse_file(const char *path, int symbols)
{
    mp_tick_config cfg;
    mp_tick_profile *p;
    mp_error err;
    memset(&cfg, 0, sizeof cfg);
    cfg.no_symbols = !symbols;
    if (mp_tick_parse_file(path, &cfg, &p, &err) != MP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    mp_tick_free(p);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    enum { MAX_RUNS = 99 };
    static double wall[NLAYERS][MAX_RUNS], cpu[NLAYERS][MAX_RUNS];
    int runs = argc > 2 ? atoi(argv[2]) : 7, run, layer;
    uint64_t keep = 0;
    double base;
    if (argc < 2 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "usage: %s LOG [RUNS (1-%d, default 7)]\n", argv[0], MAX_RUNS);
        return 2;
    }
    for (run = 0; run < runs; run++) /* layers alternate, so that the machine's moods fall on all */
        for (layer = 0; layer < NLAYERS; layer++) {
            double t0 = mp_time_now(), c0 = cpu_seconds();
            if (layer <= HASHED) keep += scan_file(argv[1], layer);
            else parse_file(argv[1], layer == SYMBOLS);
            wall[layer][run] = mp_time_now() - t0;
            cpu[layer][run] = cpu_seconds() - c0;
        }
    base = median(wall[READ], runs);
    printf("%-8s %9s %9s %9s   (median of %d runs; check %llu)\n", "layer", "wall s", "cpu s",
           "x read", runs, (unsigned long long)(keep & 0xff));
    for (layer = 0; layer < NLAYERS; layer++) {
        double w = median(wall[layer], runs), c = median(cpu[layer], runs);
        printf("%-8s %9.3f %9.3f %9.1f\n", layer_names[layer], w, c, w / base);
    }
    return 0;
}
