/*
 * Port of seed 003_c3bbfac469df662c.txt, section 4.2 "异步MySQL"
 * (asynchronous MySQL): a coroutine that connects, runs a query through a
 * cursor, fetches every row, closes, and returns the rows.
 *
 *     async def func():
 *         conn = await aiomysql.connect()
 *         cur = await conn.cursor()
 *         await cur.execute("")
 *         res = await cur.fetchall()
 *         await cur.close()
 *         conn.close()
 *         return res
 *
 * Shows: the rows a coroutine returns are asyncio.run's result; values
 * come back typed as aiomysql types them (an int, a str, None, a Decimal).
 *
 * Differences from the seed:
 *   - The seed defines func without running it, connects with
 *     aiomysql's defaults and runs an empty statement. The port connects
 *     to the first argument (mysql://USER@HOST:PORT/DATABASE, password
 *     WA_MYSQL_PASSWORD), runs `SELECT 1 + 1, 'two', NULL, 1.5`, and
 *     prints what asyncio.run(func()) returns.
 *   - conn.close() is mysql_close (COM_QUIT, then the connection closed).
 *
 * Expected output: see fetchall_return.expected.
 */
#include "mysql_seed.h"

static struct address address;
static mysql_result *res;                /* func's return value */

static int func(void *arg) {
    const struct address *a = arg;
    mysql *conn = NULL;
    int rc = mysql_connect(&a->options, &conn);
    if (rc) return rc;
    cursor cur = {conn, NULL};
    rc = cursor_execute(&cur, "SELECT 1 + 1, 'two', NULL, 1.5");
    if (!rc) res = cursor_fetchall(&cur);
    cursor_close(&cur);
    int closed = mysql_close(conn);
    return rc ? rc : closed;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "mysql://root@127.0.0.1:3306/mysql", getenv("WA_MYSQL_PASSWORD"), &address)) return 2;
    int rc = wa_run(func, &address);
    if (rc) {
        fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
        return 1;
    }
    print_rows(res);                     /* print(asyncio.run(func())) */
    printf("\n");
    mysql_result_free(res);
    return 0;
}
