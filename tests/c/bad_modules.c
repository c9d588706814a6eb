/*
 * Descriptors that a host must refuse (or handle) each in its own way. Built by the tests with
 * -std=c99 -Wall -Wextra -Werror from ffi/include/modkit.h alone.
 */
#include "modkit.h"

#include <stdlib.h>
#include <string.h>

static int instance_token;

static modkit_status create_ok(const modkit_host *host, const modkit_kv *params, size_t n, void **instance,
                               modkit_writer *err) {
    (void)host;
    (void)params;
    (void)n;
    (void)err;
    *instance = &instance_token;
    return MODKIT_OK;
}

static modkit_status create_fails(const modkit_host *host, const modkit_kv *params, size_t n, void **instance,
                                  modkit_writer *err) {
    (void)host;
    (void)params;
    (void)n;
    (void)instance;
    modkit_write_cstr(err, "cannot open /dev/fpga0: no such device");
    return MODKIT_ERROR;
}

static modkit_status create_no_instance(const modkit_host *host, const modkit_kv *params, size_t n,
                                        void **instance, modkit_writer *err) {
    (void)host;
    (void)params;
    (void)n;
    (void)instance;
    (void)err;
    return MODKIT_OK;
}

static void destroy_noop(void *instance) { (void)instance; }

static bool never_compatible(const modkit_host *host, modkit_writer *err) {
    (void)host;
    modkit_write_cstr(err, "needs an FPGA at /dev/fpga0");
    return false;
}

/* A hook whose decorators misbehave in the ways a host must survive. */
static modkit_status garbage(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)input;
    (void)err;
    return modkit_write_cstr(out, "{\"labels\": [ this is not json");
}

static modkit_status odd_status(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)input;
    (void)out;
    (void)err;
    return 77;
}

static modkit_status flood(void *instance, modkit_str input, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)input;
    (void)err;
    static char chunk[65536];
    memset(chunk, ' ', sizeof chunk);
    for (int i = 0; i < 100000; i++) { /* 6.5 GB if the host never said stop */
        modkit_status s = out->write(out->ctx, chunk, sizeof chunk);
        if (s != MODKIT_OK) {
            return s;
        }
    }
    return MODKIT_OK;
}

static const modkit_hook_vtable misbehaving_hook = {
    .size = sizeof(modkit_hook_vtable),
    .master_launch_task_label_decorator = garbage,
    .agent_run_task_label_decorator = odd_status,
    .agent_executor_environment_decorator = flood,
};

static const modkit_isolator_vtable empty_isolator = {.size = sizeof(modkit_isolator_vtable)};

/* A sorter vtable with every entry but `sort`. */
static modkit_status sorter_any(void *instance, modkit_str s, modkit_writer *err) {
    (void)instance;
    (void)s;
    (void)err;
    return MODKIT_OK;
}
static modkit_status sorter_weight(void *instance, modkit_str s, double w, modkit_writer *err) {
    (void)w;
    return sorter_any(instance, s, err);
}
static modkit_status sorter_agent(void *instance, modkit_str s, modkit_scalars q, modkit_writer *err) {
    (void)q;
    return sorter_any(instance, s, err);
}
static modkit_status sorter_alloc(void *instance, modkit_str c, modkit_str a, modkit_scalars q, modkit_writer *err) {
    (void)a;
    (void)q;
    return sorter_any(instance, c, err);
}
static modkit_status sorter_update(void *instance, modkit_str c, modkit_str a, modkit_scalars o, modkit_scalars n,
                                   modkit_writer *err) {
    (void)n;
    return sorter_alloc(instance, c, a, o, err);
}
static modkit_status sorter_allocation(void *instance, modkit_str c, modkit_writer *out, modkit_writer *err) {
    (void)out;
    return sorter_any(instance, c, err);
}
static modkit_status sorter_contains(void *instance, modkit_str c, bool *out, modkit_writer *err) {
    *out = false;
    return sorter_any(instance, c, err);
}
static modkit_status sorter_count(void *instance, size_t *out, modkit_writer *err) {
    (void)instance;
    (void)err;
    *out = 0;
    return MODKIT_OK;
}
static const modkit_sorter_vtable sorter_without_sort = {
    .size = sizeof(modkit_sorter_vtable),
    .add_client = sorter_any,
    .remove_client = sorter_any,
    .activate = sorter_any,
    .deactivate = sorter_any,
    .update_weight = sorter_weight,
    .add_agent = sorter_agent,
    .remove_agent = sorter_any,
    .allocated = sorter_alloc,
    .update = sorter_update,
    .unallocated = sorter_alloc,
    .allocation = sorter_allocation,
    .contains = sorter_contains,
    .count = sorter_count,
};

/* Every field spelled out once (no overridden initialisers, which -Wextra rejects). */
#define DESC(size_, major_, minor_, kind_, version_, author_, flags_, compatible_, create_, vtable_)             \
    {.size = size_, .abi_major = major_, .abi_minor = minor_, .kind = kind_, .kind_version = version_,            \
     .author = author_, .email = "", .description = "test module", .flags = flags_, .compatible = compatible_,   \
     .create = create_, .destroy = destroy_noop, .vtable = vtable_}

#define SIZE sizeof(modkit_module)
#define MAJ MODKIT_ABI_MAJOR
#define MIN MODKIT_ABI_MINOR
#define ISO MODKIT_KIND_ISOLATOR
#define ISOV MODKIT_ISOLATOR_VERSION
#define AUTH "modkit tests"
#define MULTI MODKIT_FLAG_MULTI_INSTANCE
#define VT (&empty_isolator)

MODKIT_EXPORT const modkit_module bad_Fine = DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_TooSmall =
    DESC(offsetof(modkit_module, vtable), MAJ, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_AbiMajor = DESC(SIZE, MAJ + 1, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_NewerMinor = DESC(SIZE, MAJ, MIN + 1, ISO, ISOV, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_UnknownKind = DESC(SIZE, MAJ, MIN, 42, ISOV, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_OldKindVersion =
    DESC(SIZE, MAJ, MIN, ISO, MODKIT_ISOLATOR_MIN_VERSION - 1, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_NewKindVersion = DESC(SIZE, MAJ, MIN, ISO, ISOV + 1, AUTH, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_NoAuthor = DESC(SIZE, MAJ, MIN, ISO, ISOV, NULL, MULTI, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_NullVtable = DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_ok, NULL);
MODKIT_EXPORT const modkit_module bad_Incompatible =
    DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, MULTI, never_compatible, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_CreateFails = DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_fails, VT);
MODKIT_EXPORT const modkit_module bad_CreateNoInstance =
    DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, MULTI, NULL, create_no_instance, VT);
MODKIT_EXPORT const modkit_module bad_SingleInstance = DESC(SIZE, MAJ, MIN, ISO, ISOV, AUTH, 0, NULL, create_ok, VT);
MODKIT_EXPORT const modkit_module bad_SorterWithoutSort = DESC(SIZE, MAJ, MIN, MODKIT_KIND_SORTER, MODKIT_SORTER_VERSION,
                                                               AUTH, MULTI, NULL, create_ok, &sorter_without_sort);
MODKIT_EXPORT const modkit_module bad_MisbehavingHook =
    DESC(SIZE, MAJ, MIN, MODKIT_KIND_HOOK, MODKIT_HOOK_VERSION, AUTH, MULTI, NULL, create_ok, &misbehaving_hook);
