/*
 * Modules as an older or a newer build would have made them, to test the compatibility rules:
 * fields past a struct's `size` are absent; a module minor above the host's is refused.
 */
#include "modkit.h"

#include <stdio.h>
#include <string.h>

static int token;

static modkit_status create(const modkit_host *host, const modkit_kv *params, size_t n, void **instance,
                            modkit_writer *err) {
    (void)host;
    (void)params;
    (void)n;
    (void)err;
    *instance = &token;
    return MODKIT_OK;
}

static void destroy(void *instance) { (void)instance; }

static modkit_status prepare(void *instance, modkit_str id, modkit_str config, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)id;
    (void)config;
    (void)err;
    return modkit_write_cstr(out, "{\"environment\":{\"variables\":[{\"name\":\"OLD_BUILD\",\"value\":\"1\"}]}}");
}

/* Would report 99 processes, but lies past the declared size, as in a build that predates it. */
static modkit_status usage(void *instance, modkit_str id, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)id;
    (void)err;
    return modkit_write_cstr(out, "{\"processes\":99}");
}

/* An isolator vtable as a build that knew only the entries up to `update` would have it. */
static const modkit_isolator_vtable older_vtable = {
    .size = offsetof(modkit_isolator_vtable, usage),
    .prepare = prepare,
    .usage = usage,
};

MODKIT_EXPORT const modkit_module compat_OlderIsolator = {
    .size = sizeof(modkit_module),
    .abi_major = MODKIT_ABI_MAJOR,
    .abi_minor = 0,
    .kind = MODKIT_KIND_ISOLATOR,
    .kind_version = MODKIT_ISOLATOR_MIN_VERSION,
    .author = "modkit tests",
    .email = "",
    .description = "an isolator built against an older header",
    .flags = MODKIT_FLAG_MULTI_INSTANCE,
    .create = create,
    .destroy = destroy,
    .vtable = &older_vtable,
};

MODKIT_EXPORT const modkit_module compat_NewerIsolator = {
    .size = sizeof(modkit_module),
    .abi_major = MODKIT_ABI_MAJOR,
    .abi_minor = MODKIT_ABI_MINOR + 1,
    .kind = MODKIT_KIND_ISOLATOR,
    .kind_version = MODKIT_ISOLATOR_VERSION,
    .author = "modkit tests",
    .email = "",
    .description = "an isolator built against a newer header",
    .flags = MODKIT_FLAG_MULTI_INSTANCE,
    .create = create,
    .destroy = destroy,
    .vtable = &older_vtable,
};
