/*
 * org_example_FakeFpgaProvider — a device provider module in plain C99, built from modkit.h alone.
 *
 * A vendor's provider would ask its driver or management library which devices exist; this
 * example reports two fixed FPGAs, character devices 240:0 and 240:1 at /dev/example-fpga0 and
 * /dev/example-fpga1, counted in the agent resource `fpgas`. The agent loads it with
 *
 *   modkit agent --isolation=gpu/devices \
 *       --device_providers=org_example_FakeFpgaProvider@/path/to/libfake_fpga_provider.so
 *
 * and then advertises `fpgas:2`; a container asking `fpgas:1` may open 240:0 and finds
 * MODKIT_DEVICES_FPGAS=0 in its environment.
 */
#include "modkit.h"

#include <stdlib.h>

typedef struct provider {
    const modkit_host *host;
} provider;

static modkit_status create(const modkit_host *host, const modkit_kv *params, size_t params_len,
                            void **instance, modkit_writer *err) {
    provider *self;
    (void)params;
    if (params_len != 0) {
        modkit_write_cstr(err, "org_example_FakeFpgaProvider takes no parameters");
        return MODKIT_INVALID_ARGUMENT;
    }
    self = malloc(sizeof *self);
    if (self == NULL) {
        modkit_write_cstr(err, "out of memory");
        return MODKIT_ERROR;
    }
    self->host = host;
    *instance = self;
    return MODKIT_OK;
}

static void destroy(void *instance) {
    free(instance);
}

static modkit_status devices(void *instance, modkit_writer *out, modkit_writer *err) {
    (void)instance;
    (void)err;
    return modkit_write_cstr(
        out,
        "{\"devices\":["
        "{\"resource\":\"fpgas\",\"index\":0,\"nodes\":[\"/dev/example-fpga0\"],"
        "\"major\":240,\"minor\":0,\"vendor\":\"Example\",\"model\":\"Fake FPGA\"},"
        "{\"resource\":\"fpgas\",\"index\":1,\"nodes\":[\"/dev/example-fpga1\"],"
        "\"major\":240,\"minor\":1,\"vendor\":\"Example\",\"model\":\"Fake FPGA\"}"
        "],\"shared_nodes\":[]}");
}

static const modkit_device_provider_vtable vtable = {
    sizeof(modkit_device_provider_vtable),
    devices,
};

MODKIT_EXPORT const modkit_module org_example_FakeFpgaProvider = {
    sizeof(modkit_module),
    MODKIT_ABI_MAJOR,
    MODKIT_ABI_MINOR,
    MODKIT_KIND_DEVICE_PROVIDER,
    MODKIT_DEVICE_PROVIDER_VERSION,
    "modkit examples",
    "",
    "Reports two fixed FPGAs (240:0, 240:1) as the fpgas resource",
    MODKIT_FLAG_THREAD_SAFE | MODKIT_FLAG_MULTI_INSTANCE,
    NULL,
    create,
    destroy,
    &vtable,
};
