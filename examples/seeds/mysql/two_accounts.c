/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "多个连接" (several
 * connections): the "异步mysql" coroutine against two servers with
 * different passwords, run together with asyncio.wait.
 *
 *     async def execute():
 *         conn = await aiomysql.connct(host='127.0.0.1', port=3306, usr='root', password='123', db='mysql')
 *         cur = await conn.cursor
 *         await cur.execute('Select * from user')
 *         result = await cur.fetchall()
 *         print(result)
 *         await cur.close()
 *         conn.close()
 *
 *     task_list = [
 *         execute('1.1.1.1', 'password1'),
 *         execute('1.2.3.4', 'password2')
 *     ]
 *     asyncio.run(asyncio.wait(task_list))
 *
 * Shows: two connections in flight at once from one thread: both tasks
 * start (and send their logins) before either has an answer.
 *
 * Differences from the seed:
 *   - execute takes the (address, password) the seed passes it; its
 *     typos are the calls they mean (see select_user.c).
 *   - Two accounts with different passwords on one server stand for the
 *     two servers: the arguments are two addresses
 *     (mysql://USER@HOST:PORT/DATABASE), the passwords WA_MYSQL_PASSWORD
 *     and WA_MYSQL_PASSWORD2; the tests give wa_one and wa_two.
 *   - The query selects User and Host of the accounts named "wa_..." and
 *     CURRENT_USER(), which shows which account each connection is.
 *   - Which server answers first is not fixed, so each task prints
 *     "start <address>" when it starts, keeps its rows, and the rows are
 *     printed after the wait in the order of the task list. The wait's
 *     coroutines are tasks made explicitly (C has no coroutine objects).
 *
 * Expected output: see two_accounts.expected (PORT stands for the port).
 */
#include "mysql_seed.h"

static struct address addresses[2];
static mysql_result *results[2];

static int execute(void *arg) {
    struct address *a = arg;
    printf("start %s\n", a->url);
    mysql *conn = NULL;
    int rc = mysql_connect(&a->options, &conn);
    if (rc) return rc;
    cursor cur = {conn, NULL};
    rc = cursor_execute(&cur, "SELECT User, Host, CURRENT_USER() FROM user WHERE User LIKE 'wa\\_%' ORDER BY User");
    if (!rc) results[a - addresses] = cursor_fetchall(&cur);
    cursor_close(&cur);
    int closed = mysql_close(conn);
    return rc ? rc : closed;
}

static int run_both(void *arg) {
    (void)arg;
    wa_task *tasks[2] = {wa_create_task(execute, &addresses[0]), wa_create_task(execute, &addresses[1])};
    int rc = wa_wait(tasks, 2, WA_FOREVER, WA_ALL_COMPLETED, NULL, NULL);
    rc = rc < 0 ? rc : 0;
    for (int i = 0; i < 2; i++) {
        int failed = wa_await(tasks[i]);
        if (failed) {
            fprintf(stderr, "%s: %s: %s\n", addresses[i].url, wa_strerror(failed), wa_errmsg());
            rc = rc ? rc : failed;
        } else {
            printf("%s ", addresses[i].url);
            print_rows(results[i]);
            printf("\n");
        }
        mysql_result_free(results[i]);
        wa_task_release(tasks[i]);
    }
    return rc;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "mysql://wa_one@127.0.0.1:3306/mysql", getenv("WA_MYSQL_PASSWORD"), &addresses[0]) ||
        parse_address(argc > 2 ? argv[2] : "mysql://wa_two@127.0.0.1:3306/mysql", getenv("WA_MYSQL_PASSWORD2"), &addresses[1]))
        return 2;
    int rc = wa_run(run_both, NULL);
    if (rc) fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
