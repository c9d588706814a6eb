/*
 * org_example_RecordingIsolator — an isolator module in plain C99, built from modkit.h alone.
 *
 * Records every lifecycle call as one line `<call> <container id>` appended to the file named by
 * its `record_file` parameter (required), and logs it through the host. `prepare` adds the
 * environment variable MODKIT_RECORDED=<container id> to the container. It declares itself neither
 * thread safe nor multi-instance, so the host serialises its calls and creates it once.
 *
 *   {"name": "org_example_RecordingIsolator",
 *    "parameters": [{"key": "record_file", "value": "/tmp/calls.txt"}]}
 */
#include "modkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct recorder {
    const modkit_host *host;
    char *path;
} recorder;

static modkit_status record(recorder *self, const char *call, modkit_str container_id, modkit_writer *err) {
    FILE *f = fopen(self->path, "a");
    if (f == NULL) {
        modkit_write_cstr(err, "cannot open record_file for appending");
        return MODKIT_ERROR;
    }
    fprintf(f, "%s %.*s\n", call, (int)container_id.len, container_id.ptr ? container_id.ptr : "");
    fclose(f);
    if (self->host->size >= offsetof(modkit_host, log) + sizeof self->host->log && self->host->log) {
        self->host->log(self->host->ctx, MODKIT_LOG_DEBUG, MODKIT_STR_LIT("org_example_RecordingIsolator"),
                        (modkit_str){call, strlen(call)});
    }
    return MODKIT_OK;
}

static modkit_status recover(void *instance, modkit_str states, modkit_str orphans, modkit_writer *err) {
    (void)states;
    (void)orphans;
    return record(instance, "recover", (modkit_str){NULL, 0}, err);
}

static modkit_status prepare(void *instance, modkit_str container_id, modkit_str config,
                             modkit_writer *launch_info, modkit_writer *err) {
    (void)config;
    modkit_status s = record(instance, "prepare", container_id, err);
    if (s != MODKIT_OK) {
        return s;
    }
    /* Container ids are [A-Za-z0-9_.-] (checked by the host), so no escaping is needed here. */
    s = modkit_write_cstr(launch_info, "{\"environment\":{\"variables\":[{\"name\":\"MODKIT_RECORDED\",\"value\":\"");
    if (s == MODKIT_OK) {
        s = launch_info->write(launch_info->ctx, container_id.ptr, container_id.len);
    }
    return s == MODKIT_OK ? modkit_write_cstr(launch_info, "\"}]}}") : s;
}

static modkit_status isolate(void *instance, modkit_str container_id, int32_t pid, modkit_writer *err) {
    (void)pid;
    return record(instance, "isolate", container_id, err);
}

static modkit_status update(void *instance, modkit_str container_id, modkit_str resources, modkit_writer *err) {
    (void)resources;
    return record(instance, "update", container_id, err);
}

static modkit_status usage(void *instance, modkit_str container_id, modkit_writer *statistics, modkit_writer *err) {
    modkit_status s = record(instance, "usage", container_id, err);
    return s == MODKIT_OK ? modkit_write_cstr(statistics, "{\"processes\":1}") : s;
}

static modkit_status cleanup(void *instance, modkit_str container_id, modkit_writer *err) {
    return record(instance, "cleanup", container_id, err);
}

static modkit_status create(const modkit_host *host, const modkit_kv *params, size_t params_len,
                            void **instance, modkit_writer *err) {
    const modkit_str *path = NULL;
    for (size_t i = 0; i < params_len; i++) {
        if (params[i].key.len == 11 && memcmp(params[i].key.ptr, "record_file", 11) == 0) {
            path = &params[i].value;
        } else {
            modkit_write_cstr(err, "unknown parameter '");
            err->write(err->ctx, params[i].key.ptr, params[i].key.len);
            modkit_write_cstr(err, "' (known: record_file)");
            return MODKIT_INVALID_ARGUMENT;
        }
    }
    if (path == NULL || path->len == 0) {
        modkit_write_cstr(err, "missing required parameter 'record_file'");
        return MODKIT_INVALID_ARGUMENT;
    }
    recorder *self = calloc(1, sizeof *self);
    char *copy = malloc(path->len + 1);
    if (self == NULL || copy == NULL) {
        free(self);
        free(copy);
        modkit_write_cstr(err, "out of memory");
        return MODKIT_ERROR;
    }
    memcpy(copy, path->ptr, path->len);
    copy[path->len] = '\0';
    self->host = host;
    self->path = copy;
    *instance = self;
    return MODKIT_OK;
}

static void destroy(void *instance) {
    recorder *self = instance;
    free(self->path);
    free(self);
}

/* `watch` and `status` are left NULL: the host uses the defaults (never raises, empty status). */
static const modkit_isolator_vtable vtable = {
    .size = sizeof(modkit_isolator_vtable),
    .recover = recover,
    .prepare = prepare,
    .isolate = isolate,
    .update = update,
    .usage = usage,
    .cleanup = cleanup,
};

MODKIT_EXPORT const modkit_module org_example_RecordingIsolator = {
    .size = sizeof(modkit_module),
    .abi_major = MODKIT_ABI_MAJOR,
    .abi_minor = MODKIT_ABI_MINOR,
    .kind = MODKIT_KIND_ISOLATOR,
    .kind_version = MODKIT_ISOLATOR_VERSION,
    .author = "modkit examples",
    .email = "",
    .description = "Records every isolator call to a file",
    .flags = 0,
    .compatible = NULL,
    .create = create,
    .destroy = destroy,
    .vtable = &vtable,
};
