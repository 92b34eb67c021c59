/*
 * mysql_seed.h: what the MySQL ports share. A port takes its server as an
 * argument, "mysql://USER@HOST:PORT/DATABASE", and the password from the
 * environment (WA_MYSQL_PASSWORD, then WA_MYSQL_PASSWORD2 for a second
 * address), as aiomysql.connect takes host, port, user, password and db.
 * A cursor here is the little aiomysql's cursor does for these seeds:
 * execute, then fetchall of what it gave.
 */
#ifndef WASYNCIO_MYSQL_SEED_H
#define WASYNCIO_MYSQL_SEED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../mysql/mysql.h"

struct address {
    const char *url;                     /* as given: printed */
    char user[64], host[64], db[64];
    mysql_options options;
};

/* Splits "mysql://USER@HOST:PORT/DB" into a; 0, or -1 with a message on stderr. */
static inline int parse_address(const char *url, const char *password, struct address *a) {
    memset(a, 0, sizeof *a);
    a->url = url;
    if (sscanf(url, "mysql://%63[^@]@%63[^:]:%d/%63s", a->user, a->host, &a->options.port, a->db) != 4) {
        fprintf(stderr, "not a mysql://USER@HOST:PORT/DATABASE address: %s\n", url);
        return -1;
    }
    a->options = (mysql_options){a->host, a->options.port, a->user, password, a->db, 10.0};
    return 0;
}

/* `cur = await conn.cursor()` ... `await cur.close()`. */
typedef struct cursor {
    mysql *conn;
    mysql_result *result;
} cursor;

/* `await cur.execute(sql)`: runs sql; its rows wait in the cursor. */
static inline int cursor_execute(cursor *cur, const char *sql) {
    mysql_result_free(cur->result);
    cur->result = NULL;
    return mysql_query(cur->conn, sql, &cur->result);
}

/* `await cur.fetchall()`: the rows, now the caller's. */
static inline mysql_result *cursor_fetchall(cursor *cur) {
    mysql_result *all = cur->result;
    cur->result = NULL;
    return all;
}

static inline void cursor_close(cursor *cur) {
    mysql_result_free(cur->result);
    cur->result = NULL;
}

/* Prints a value as Python prints what aiomysql gives for it: an int, a
 * Decimal, a float, None, bytes, or a str (dates too, here). */
static inline void print_value(const mysql_column *col, const mysql_value *v) {
    if (!v->str) {
        printf("None");
        return;
    }
    switch (col->type) {
    case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR: case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
        printf("%s", v->str);
        return;
    case MYSQL_TYPE_DECIMAL: case MYSQL_TYPE_NEWDECIMAL:
        printf("Decimal('%s')", v->str);
        return;
    }
    int bytes = col->charset == MYSQL_BINARY_CHARSET;
    /* repr's quotes: single, unless the text holds one and no double */
    char q = memchr(v->str, '\'', v->len) && !memchr(v->str, '"', v->len) ? '"' : '\'';
    printf("%s%c", bytes ? "b" : "", q);
    for (size_t i = 0; i < v->len; i++) {
        unsigned char ch = (unsigned char)v->str[i];
        if (ch == '\\' || ch == (unsigned char)q) printf("\\%c", ch);
        else if (ch == '\n') printf("\\n");
        else if (ch == '\r') printf("\\r");
        else if (ch == '\t') printf("\\t");
        else if (ch < 0x20 || ch == 0x7f || (bytes && ch > 0x7f)) printf("\\x%02x", ch);
        else putchar(ch);
    }
    putchar(q);
}

/* Prints rows as Python prints fetchall's tuple of tuples. */
static inline void print_rows(const mysql_result *res) {
    printf("(");
    for (size_t r = 0; r < res->row_count; r++) {
        printf(r ? ", (" : "(");
        for (size_t c = 0; c < res->column_count; c++) {
            if (c) printf(", ");
            print_value(&res->columns[c], &res->rows[r][c]);
        }
        printf(res->column_count == 1 ? ",)" : ")");
    }
    printf(res->row_count == 1 ? ",)" : ")");
}

#endif
