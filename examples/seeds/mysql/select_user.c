/*
 * Port of seed 002_27bfa55368f2bb5f.txt, section "异步mysql" (asynchronous
 * mysql): connect, make a cursor, run a query, fetch every row, print them,
 * close.
 *
 *     async def execute():
 *         conn = await aiomysql.connct(host='127.0.0.1', port=3306, usr='root', password='123', db='mysql')
 *         cur = await conn.cursor              # network I/O: make a cursor
 *         await cur.execute('Select * from user')   # network I/O: run the SQL
 *         result = await cur.fetchall()        # network I/O: fetch the result
 *         print(result)
 *         await cur.close()                    # network I/O: close
 *         conn.close()
 *
 *     asyncio.run(execute)
 *
 * Shows: each network step (connect and log in, send the query, read its
 * rows) suspends the task while the loop waits for the server.
 *
 * Differences from the seed:
 *   - The seed's typos (aiomysql.connct, usr=, conn.cursor without a call,
 *     asyncio.run(execute) without one) are the calls they mean.
 *   - The server, user and database are the first argument
 *     (mysql://USER@HOST:PORT/DATABASE) and the password WA_MYSQL_PASSWORD;
 *     the tests start a MariaDB on 127.0.0.1 with a random port and make
 *     the accounts wa_one and wa_two.
 *   - `SELECT * FROM user` prints every privilege column of every account,
 *     which differ between servers and machines (the host's name is one):
 *     the port selects User and Host of the accounts whose names start
 *     with "wa_", in order.
 *   - conn.close() is mysql_close, which says COM_QUIT and waits until the
 *     connection is closed (aiomysql's close() only drops it).
 *
 * Expected output: see select_user.expected.
 */
#include "mysql_seed.h"

static struct address address;

static int execute(void *arg) {
    const struct address *a = arg;
    mysql *conn = NULL;
    int rc = mysql_connect(&a->options, &conn);
    if (rc) return rc;
    cursor cur = {conn, NULL};
    rc = cursor_execute(&cur, "SELECT User, Host FROM user WHERE User LIKE 'wa\\_%' ORDER BY User");
    if (!rc) {
        mysql_result *result = cursor_fetchall(&cur);
        print_rows(result);
        printf("\n");
        mysql_result_free(result);
    }
    cursor_close(&cur);
    int closed = mysql_close(conn);
    return rc ? rc : closed;
}

int main(int argc, char **argv) {
    if (parse_address(argc > 1 ? argv[1] : "mysql://root@127.0.0.1:3306/mysql", getenv("WA_MYSQL_PASSWORD"), &address)) return 2;
    int rc = wa_run(execute, &address);
    if (rc) fprintf(stderr, "error: %s: %s\n", wa_strerror(rc), wa_errmsg());
    return rc ? 1 : 0;
}
