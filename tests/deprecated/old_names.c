/* The previous release's names still compile (with a deprecation warning)
 * and behave as the new ones: the toolchain test builds and runs this. */
#include "wasyncio.h"
#include <stdio.h>
#include <stdlib.h>
static int hits;
static void cb(void *arg) { (void)arg; hits++; }
static int body(void *arg) {
    (void)arg;
    wa_future *f = wa_future_new();
    wa_stats st;
    if (wa_get_stats(&st) || st.tasks_alive != 1) return 1;
    if (wa_call_soon(NULL, cb, NULL, NULL) || wa_call_later(NULL, 0.001, cb, NULL, NULL) || wa_call_at(NULL, wa_time(), cb, NULL, NULL)) return 2;
    if (wa_sleep(0.01)) return 3;
    char *dump = wa_dump_tasks(NULL);
    if (!dump) return 4;
    free(dump);
    return wa_future_free(f) || hits != 3;
}
int main(void) { int rc = wa_run(body, NULL); printf("rc=%d\n", rc); return rc; }
