/*
 * org_example_LabelsHook — a hook module in plain C99, built from modkit.h alone.
 *
 * Adds one label per module parameter to every task, in the master (launch-task label decorator)
 * and in the agent (run-task label decorator). The task's existing labels are kept; a parameter
 * whose key is already a label replaces nothing: Mesos labels may repeat keys, and the hook only
 * appends.
 *
 *   {"name": "org_example_LabelsHook",
 *    "parameters": [{"key": "team", "value": "storage"}, {"key": "cost_centre", "value": "42"}]}
 *
 * Build:  cc -std=c99 -Wall -Wextra -Werror -pedantic -shared -fPIC -I ffi/include \
 *            -o liblabels_hook.so examples/modules/c/labels_hook.c
 */
#include "modkit.h"

#include <stdlib.h>
#include <string.h>

/* ---- instance ------------------------------------------------------------------------------ */

typedef struct labels_hook {
    char *labels_json; /* the parameters as `{"key":"..","value":".."},...` (no brackets) */
    size_t labels_len;
} labels_hook;

/* Appends to a growing buffer; returns 0 when out of memory. */
typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 64);
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            return 0;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

/* Writes `s` as a JSON string literal (quotes and escapes included). */
static int buf_put_json_string(buf *b, modkit_str s) {
    static const char hex[] = "0123456789abcdef";
    if (!buf_put(b, "\"", 1)) {
        return 0;
    }
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
        int ok;
        if (c == '"' || c == '\\') {
            char two[2] = {'\\', (char)c};
            ok = buf_put(b, two, 2);
        } else if (c < 0x20) {
            ok = buf_put(b, esc, 6);
        } else {
            ok = buf_put(b, (const char *)&s.ptr[i], 1);
        }
        if (!ok) {
            return 0;
        }
    }
    return buf_put(b, "\"", 1);
}

/* ---- a minimal JSON scanner: just enough to find task_info.labels.labels ------------------- */

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

/* Skips one JSON value starting at p; returns the position after it, or NULL if malformed. */
static const char *skip_value(const char *p, const char *end) {
    p = skip_ws(p, end);
    if (p >= end) {
        return NULL;
    }
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                return p + 1;
            }
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = (*p == '{') ? '}' : ']';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close) {
            return p + 1;
        }
        for (;;) {
            if (close == '}') {
                p = skip_value(p, end); /* key */
                p = p ? skip_ws(p, end) : NULL;
                if (p == NULL || p >= end || *p != ':') {
                    return NULL;
                }
                p++;
            }
            p = skip_value(p, end);
            p = p ? skip_ws(p, end) : NULL;
            if (p == NULL || p >= end) {
                return NULL;
            }
            if (*p == close) {
                return p + 1;
            }
            if (*p != ',') {
                return NULL;
            }
            p++;
        }
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n') {
        p++; /* number, true, false, null */
    }
    return p;
}

/* In the object starting at p, finds member `key`; returns the start of its value or NULL. */
static const char *find_member(const char *p, const char *end, const char *key) {
    size_t klen = strlen(key);
    p = skip_ws(p, end);
    if (p >= end || *p != '{') {
        return NULL;
    }
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '"') {
            return NULL;
        }
        const char *k = p + 1;
        const char *after = skip_value(p, end);
        if (after == NULL) {
            return NULL;
        }
        int match = (size_t)(after - 1 - k) == klen && memcmp(k, key, klen) == 0;
        p = skip_ws(after, end);
        if (p >= end || *p != ':') {
            return NULL;
        }
        p = skip_ws(p + 1, end);
        if (match) {
            return p;
        }
        p = skip_value(p, end);
        p = p ? skip_ws(p, end) : NULL;
        if (p == NULL || p >= end || *p != ',') {
            return NULL;
        }
        p++;
    }
}

/* ---- the decorator ------------------------------------------------------------------------- */

/* Writes {"labels":[<task's labels>,<ours>]} for the task_info in `input`. */
static modkit_status decorate(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    labels_hook *self = instance;
    const char *end = input.ptr + input.len;
    const char *task = find_member(input.ptr, end, "task_info");
    if (task == NULL) {
        modkit_write_cstr(err, "input has no task_info object");
        return MODKIT_INVALID_ARGUMENT;
    }
    const char *existing = NULL, *existing_end = NULL;
    const char *labels = find_member(task, end, "labels");
    const char *array = labels ? find_member(labels, end, "labels") : NULL;
    if (array != NULL && *array == '[') {
        existing_end = skip_value(array, end);
        if (existing_end == NULL) {
            modkit_write_cstr(err, "task_info.labels.labels is not a valid JSON array");
            return MODKIT_INVALID_ARGUMENT;
        }
        existing = skip_ws(array + 1, end);
        existing_end--; /* at the closing ']' */
    }
    buf b = {0};
    int ok = buf_put(&b, "{\"labels\":[", 11);
    int have_existing = existing != NULL && existing < existing_end;
    if (ok && have_existing) {
        ok = buf_put(&b, existing, (size_t)(existing_end - existing));
    }
    if (ok && have_existing && self->labels_len > 0) {
        ok = buf_put(&b, ",", 1);
    }
    if (ok && self->labels_len > 0) {
        ok = buf_put(&b, self->labels_json, self->labels_len);
    }
    ok = ok && buf_put(&b, "]}", 2);
    modkit_status status = MODKIT_OK;
    if (!ok) {
        modkit_write_cstr(err, "out of memory");
        status = MODKIT_ERROR;
    } else {
        status = out->write(out->ctx, b.data, b.len);
    }
    free(b.data);
    return status;
}

static modkit_status master_labels(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    return decorate(instance, input, out, err);
}

static modkit_status agent_labels(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    return decorate(instance, input, out, err);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

static modkit_status create(const modkit_host *host, const modkit_kv *params, size_t params_len,
                            void **instance, modkit_writer *err) {
    (void)host;
    buf b = {0};
    for (size_t i = 0; i < params_len; i++) {
        if (params[i].key.len == 0) {
            modkit_write_cstr(err, "parameter keys must not be empty");
            free(b.data);
            return MODKIT_INVALID_ARGUMENT;
        }
        int ok = (i == 0 || buf_put(&b, ",", 1)) && buf_put(&b, "{\"key\":", 7) &&
                 buf_put_json_string(&b, params[i].key) && buf_put(&b, ",\"value\":", 9) &&
                 buf_put_json_string(&b, params[i].value) && buf_put(&b, "}", 1);
        if (!ok) {
            modkit_write_cstr(err, "out of memory");
            free(b.data);
            return MODKIT_ERROR;
        }
    }
    labels_hook *self = calloc(1, sizeof *self);
    if (self == NULL) {
        free(b.data);
        modkit_write_cstr(err, "out of memory");
        return MODKIT_ERROR;
    }
    self->labels_json = b.data;
    self->labels_len = b.len;
    *instance = self;
    return MODKIT_OK;
}

static void destroy(void *instance) {
    labels_hook *self = instance;
    free(self->labels_json);
    free(self);
}

static const modkit_hook_vtable vtable = {
    .size = sizeof(modkit_hook_vtable),
    .master_launch_task_label_decorator = master_labels,
    .agent_run_task_label_decorator = agent_labels,
};

MODKIT_EXPORT const modkit_module org_example_LabelsHook = {
    .size = sizeof(modkit_module),
    .abi_major = MODKIT_ABI_MAJOR,
    .abi_minor = MODKIT_ABI_MINOR,
    .kind = MODKIT_KIND_HOOK,
    .kind_version = MODKIT_HOOK_VERSION,
    .author = "modkit examples",
    .email = "",
    .description = "Adds a label per module parameter to every task",
    .flags = MODKIT_FLAG_THREAD_SAFE | MODKIT_FLAG_MULTI_INSTANCE,
    .compatible = NULL,
    .create = create,
    .destroy = destroy,
    .vtable = &vtable,
};
