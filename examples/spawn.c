/* spawn.c - start a server, wait until it answers, stop it like Ctrl+C: medprof.h alone.

   cc -std=c11 -D_POSIX_C_SOURCE=200809L -I. examples/spawn.c -o spawn
   ./spawn http://127.0.0.1:8103/healthcheck node examples/server.js */
#define MEDPROF_IMPLEMENTATION
#include "medprof.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    mp_proc_config cfg = { 0 };
    mp_ready_config ready = { 0 };
    mp_proc_status st;
    mp_proc *server;
    mp_error err;
    char how[64];

    if (argc < 3) {
        fprintf(stderr, "usage: %s READY_URL COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    cfg.argv = (const char *const *)(argv + 2);
    if (mp_proc_spawn(&cfg, &server, &err) != MP_OK) {
        fprintf(stderr, "spawn: %s\n", err.msg);
        return 1;
    }
    printf("started pid %d\n", mp_proc_pid(server));
    ready.url = argv[1];
    ready.timeout = 30;
    if (mp_proc_wait_ready(server, &ready, &err) != MP_OK) {
        fprintf(stderr, "not ready: %s\n", err.msg);
        mp_proc_destroy(server); /* kills and reaps whatever is left */
        return 1;
    }
    printf("ready: %s answers\n", argv[1]);
    if (mp_proc_stop(server, NULL, &st, &err) != MP_OK) fprintf(stderr, "stop: %s\n", err.msg);
    printf("pid %d %s after %.2f s\n", mp_proc_pid(server), mp_proc_status_str(&st, how, sizeof how),
           st.runtime);
    mp_proc_destroy(server);
    return st.state == MP_PROC_EXITED && st.exit_code == 0 ? 0 : 1;
}
