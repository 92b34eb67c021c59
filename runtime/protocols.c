/* The async iterator and async context manager protocols: calls through
 * the user's tables of functions, checked first (a missing function would
 * otherwise be a jump to address 0). */
#include "internal.h"

int wa_aiter_next(const wa_aiter *it, intptr_t *item) {
    if (!it || !it->next)
        return wa__error(WA_EINVAL, it ? "wa_aiter_next: the iterator's next is NULL" : "wa_aiter_next: the iterator is NULL");
    return it->next(it->self, item);
}

int wa_async_with(const wa_async_cm *cm, void *self, int (*body)(void *self, void *arg), void *arg) {
    if (!cm || !cm->enter || !cm->exit || !body)
        return wa__error(WA_EINVAL, !cm ? "wa_async_with: the context manager is NULL"
                                    : body ? "wa_async_with: the context manager's enter or exit is NULL"
                                           : "wa_async_with: the body is NULL");
    int rc = cm->enter(self);
    if (rc) return rc;
    return cm->exit(self, body(self, arg));
}
