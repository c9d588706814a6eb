/*
 * modkit.h — the modkit module ABI.
 *
 * This one self-contained C99 header is the whole contract between a modkit host (agent, master,
 * local cluster, simulator) and a module. A module is a shared library that exports, for each module
 * it provides, a `const modkit_module` object whose symbol name is the module's name (Mesos
 * convention: reversed domain, `org_example_MyIsolator`). The host finds it with dlsym.
 *
 * Compatibility rules (what lets one build of a module load on every later 1.x host):
 *   1. A module loads when its `abi_major` equals the host's MODKIT_ABI_MAJOR and its `abi_minor` is
 *      less than or equal to the host's MODKIT_ABI_MINOR.
 *   2. Every struct that crosses the boundary begins with `uint32_t size`, set by whoever fills the
 *      struct to `sizeof` the struct as that side knew it when it was built. Fields are only ever
 *      appended (a new minor), never removed or reordered. A reader treats every field that lies past
 *      `size` as absent: a function pointer past `size` reads as NULL, a value as zero.
 *   3. Function pointers in a vtable may be NULL where the kind documents a default; a required entry
 *      that is NULL makes the host refuse the module at load time, naming the entry.
 *
 * Memory rules:
 *   - Every input (strings, arrays, JSON) is borrowed for the duration of the call only. Copy what you
 *     keep.
 *   - Outputs are written through a host-supplied `modkit_writer`; nothing is ever freed across the
 *     boundary. Instances are opaque `void *` handles owned by the module until `destroy`.
 *   - Strings are `modkit_str`: UTF-8, NOT NUL-terminated, `ptr` may be NULL when `len` is 0.
 *
 * Error rules: every call returns a `modkit_status`. On failure a module should write a human-readable
 * message (UTF-8, no trailing newline) to the `err` writer; the host shows it together with the module
 * name. A module must never let a C++ exception or a Rust panic cross the boundary.
 *
 * Records (task info, container config, statistics, limitations, labels, ...) cross as UTF-8 JSON
 * objects with Mesos v1 field names. Hot paths (sorter and allocator calls) use plain C types:
 * ids as strings, resource quantities as arrays of name/value pairs, resources as Mesos resource text
 * (`cpus:4;mem:1024;ports:[31000-32000];cpus(ads):8`).
 *
 * Libraries are never unloaded by the host.
 */
#ifndef MODKIT_H
#define MODKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Versions                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

/** ABI major: bumped only for an incompatible change (never within 1.x). */
#define MODKIT_ABI_MAJOR 1
/** ABI minor: bumped whenever a field or vtable entry is appended. */
#define MODKIT_ABI_MINOR 0

/** Kinds of module. A host refuses a kind it does not know. */
#define MODKIT_KIND_ISOLATOR 1u
#define MODKIT_KIND_SORTER 2u
#define MODKIT_KIND_ALLOCATOR 3u
#define MODKIT_KIND_HOOK 4u
#define MODKIT_KIND_ANONYMOUS 5u
/** A device provider (see the section "Device provider" below); loaded by --device_providers. */
#define MODKIT_KIND_DEVICE_PROVIDER 6u

/**
 * Kind versions: the version of a kind's interface (its vtable semantics) a module was written
 * against. A host accepts MODKIT_<KIND>_MIN_VERSION <= kind_version <= MODKIT_<KIND>_VERSION.
 */
#define MODKIT_ISOLATOR_VERSION 1u
#define MODKIT_ISOLATOR_MIN_VERSION 1u
#define MODKIT_SORTER_VERSION 1u
#define MODKIT_SORTER_MIN_VERSION 1u
#define MODKIT_ALLOCATOR_VERSION 1u
#define MODKIT_ALLOCATOR_MIN_VERSION 1u
#define MODKIT_HOOK_VERSION 1u
#define MODKIT_HOOK_MIN_VERSION 1u
#define MODKIT_ANONYMOUS_VERSION 1u
#define MODKIT_ANONYMOUS_MIN_VERSION 1u
#define MODKIT_DEVICE_PROVIDER_VERSION 1u
#define MODKIT_DEVICE_PROVIDER_MIN_VERSION 1u

/* ---------------------------------------------------------------------------------------------- */
/* Basic types                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/** Result of every call. Values are fixed forever; new ones may be added. */
typedef int32_t modkit_status;
/** Success. */
#define MODKIT_OK 0
/** Generic failure; the message written to `err` says why. */
#define MODKIT_ERROR 1
/** An argument (JSON, resources, id, parameter) was rejected. */
#define MODKIT_INVALID_ARGUMENT 2
/** The thing named (container, client, agent, framework) is not known to the module. */
#define MODKIT_NOT_FOUND 3
/** The module does not implement this operation. */
#define MODKIT_UNSUPPORTED 4
/** The module panicked (Rust) or threw (C++) and caught it at the boundary. */
#define MODKIT_PANIC 5
/**
 * Returned by a host writer of a one-item-per-write list (e.g. `sort`) that needs no more items:
 * the module stops writing and returns MODKIT_OK. Not an error.
 */
#define MODKIT_STOP 6

/** A borrowed UTF-8 string; not NUL-terminated. */
typedef struct modkit_str {
    /** First byte; may be NULL when len is 0. */
    const char *ptr;
    /** Length in bytes. */
    size_t len;
} modkit_str;

/** A key/value pair (module parameters, labels on the hot path). */
typedef struct modkit_kv {
    modkit_str key;
    modkit_str value;
} modkit_kv;

/** A named scalar quantity (`cpus` = 4.5). Used by sorters and allocators. */
typedef struct modkit_scalar {
    /** Resource name, e.g. `cpus`, `mem` (MB), `disk` (MB), `gpus`. */
    modkit_str name;
    /** Quantity; never NaN or infinite. */
    double value;
} modkit_scalar;

/**
 * Where a module writes its output or its error message. Supplied by the host; valid for the call
 * only. `write` may be called several times: the output is the concatenation of all writes, except
 * where a call documents "one item per write" (lists of ids). `write` returns MODKIT_OK, or an error
 * when the host refuses more output (e.g. it is over the host's size bound): the module should then
 * stop and return that status.
 */
typedef struct modkit_writer {
    /** sizeof(modkit_writer) as the host knew it. */
    uint32_t size;
    /** Opaque host context, passed back to `write`. */
    void *ctx;
    /** Appends `len` bytes of `data`. */
    modkit_status (*write)(void *ctx, const char *data, size_t len);
} modkit_writer;

/* ---------------------------------------------------------------------------------------------- */
/* Host services                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

/** Log levels for `modkit_host.log`, matching the host's tracing levels. */
#define MODKIT_LOG_ERROR 1
#define MODKIT_LOG_WARN 2
#define MODKIT_LOG_INFO 3
#define MODKIT_LOG_DEBUG 4
#define MODKIT_LOG_TRACE 5

struct modkit_sorter_vtable;

/**
 * A sorter instance the host made for a module (see `modkit_host.create_sorter`). The module owns
 * it: it calls the sorter through `vtable` and frees it with `destroy(instance)` exactly once.
 */
typedef struct modkit_sorter_handle {
    /** sizeof(modkit_sorter_handle) as the host knew it. */
    uint32_t size;
    /** The sorter instance. */
    void *instance;
    /** Its vtable (see modkit_sorter_vtable below). */
    const struct modkit_sorter_vtable *vtable;
    /** Frees `instance`. */
    void (*destroy)(void *instance);
} modkit_sorter_handle;

/**
 * What the host offers a module. Passed to `compatible` and `create`; the pointer and everything it
 * points to stay valid until the host exits (a module may keep it in its instance).
 */
typedef struct modkit_host {
    /** sizeof(modkit_host) as the host knew it. */
    uint32_t size;
    /** The host's MODKIT_ABI_MAJOR. */
    uint16_t abi_major;
    /** The host's MODKIT_ABI_MINOR. */
    uint16_t abi_minor;
    /** The host program's version, e.g. `0.1.0`. */
    modkit_str host_version;
    /** What the host is: `agent`, `master`, `local`, `simulator`, `check` (modkit modules check). */
    modkit_str host_role;
    /** The host's `--work_dir` (may be empty when the host has none). */
    modkit_str work_dir;
    /** The host's flags as a JSON object of strings: {"isolation": "cgroups/cpu", ...}. */
    modkit_str flags_json;
    /** Opaque host context for the functions below. */
    void *ctx;
    /**
     * Logs `message` at `level` (MODKIT_LOG_*) into the host's log, attributed to the module. Thread
     * safe; never fails.
     */
    void (*log)(void *ctx, int32_t level, modkit_str module, modkit_str message);
    /**
     * Creates an instance of the sorter module `name` as this host knows it (a built-in such as
     * `drf`, `random`, `asset`, or a sorter module loaded with --modules) with `params`, and fills
     * `*sorter` (whose `size` the caller sets). For allocator modules, which compose sorters
     * (one for roles, one per role for its frameworks). May be NULL in a host without sorters.
     */
    modkit_status (*create_sorter)(void *ctx, modkit_str name, const modkit_kv *params,
                                   size_t params_len, modkit_sorter_handle *sorter,
                                   modkit_writer *err);
} modkit_host;

/* ---------------------------------------------------------------------------------------------- */
/* Module descriptor                                                                              */
/* ---------------------------------------------------------------------------------------------- */

/** Flags in `modkit_module.flags`. */
/** Calls into one instance may come from several threads at once. Without it the host serialises. */
#define MODKIT_FLAG_THREAD_SAFE (1ull << 0)
/** `create` may be called more than once (several instances live at the same time). */
#define MODKIT_FLAG_MULTI_INSTANCE (1ull << 1)
/**
 * Instances share no unsynchronised state, so different instances may be used from different
 * threads at the same time (each instance still by one thread at a time unless THREAD_SAFE). The
 * simulator runs policies side by side only when their modules say so. Added in 1.0 without a new
 * minor: it asks nothing of the host, and a host that does not know a flag ignores it.
 */
#define MODKIT_FLAG_INDEPENDENT_INSTANCES (1ull << 2)

/**
 * The exported object. Define it as `const modkit_module <module_name> = { ... };` with default
 * (visible) symbol visibility. All string fields are NUL-terminated and static.
 */
typedef struct modkit_module {
    /** sizeof(modkit_module) as the module knew it. */
    uint32_t size;
    /** MODKIT_ABI_MAJOR the module was built with. */
    uint16_t abi_major;
    /** MODKIT_ABI_MINOR the module was built with. */
    uint16_t abi_minor;
    /** One of MODKIT_KIND_*. */
    uint32_t kind;
    /** MODKIT_<KIND>_VERSION the module was built with. */
    uint32_t kind_version;
    /** Who wrote it (required, non-empty). */
    const char *author;
    /** Contact e-mail (required, may be empty ""). */
    const char *email;
    /** One line saying what it does (required, non-empty). */
    const char *description;
    /** MODKIT_FLAG_* bits. Unknown bits are ignored. */
    uint64_t flags;
    /**
     * Optional (NULL = always compatible): returns false when this module cannot work on this host
     * (missing kernel feature, device library, host version). Writes the reason to `err`.
     */
    bool (*compatible)(const modkit_host *host, modkit_writer *err);
    /**
     * Required: makes an instance. `params` is the spec's parameter list for this module, in order.
     * On success stores the instance handle in `*instance` and returns MODKIT_OK; on failure writes
     * why to `err` (e.g. a rejected parameter) and returns an error; `*instance` is then ignored.
     */
    modkit_status (*create)(const modkit_host *host, const modkit_kv *params, size_t params_len,
                            void **instance, modkit_writer *err);
    /** Required: frees an instance. Never called twice, never with an instance in use. */
    void (*destroy)(void *instance);
    /**
     * The kind's vtable: `const modkit_isolator_vtable *` etc. Required for every kind but
     * MODKIT_KIND_ANONYMOUS (which may leave it NULL).
     */
    const void *vtable;
} modkit_module;

/* ---------------------------------------------------------------------------------------------- */
/* Isolator (MODKIT_KIND_ISOLATOR), selected by the agent's --isolation=a,b,c                      */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Raised by an isolator when a container hits a limit. Handed to `watch`; valid until `cleanup` of
 * that container returns.
 */
typedef struct modkit_limitation_sink {
    /** sizeof(modkit_limitation_sink) as the host knew it. */
    uint32_t size;
    /** Opaque host context. */
    void *ctx;
    /**
     * Reports a limitation, once, from any thread. `limitation_json` is a Mesos v1
     * ContainerLimitation: {"resources": [...], "message": "...", "reason":
     * "REASON_CONTAINER_LIMITATION_MEMORY"}. The host destroys the container.
     */
    void (*raise)(void *ctx, modkit_str limitation_json);
} modkit_limitation_sink;

/**
 * The isolator lifecycle, as Mesos's. Every entry is optional: NULL means the default written beside
 * it. Calls for one container come in lifecycle order; calls for different containers may overlap
 * (unless the module lacks MODKIT_FLAG_THREAD_SAFE, in which case the host serialises them).
 */
typedef struct modkit_isolator_vtable {
    /** sizeof(modkit_isolator_vtable) as the module knew it. */
    uint32_t size;
    /**
     * After an agent restart. `states_json`: array of Mesos ContainerState objects
     * ({"container_id": {"value": ..}, "pid": N, "directory": ".."}) the agent checkpointed;
     * `orphans_json`: array of ContainerID objects found but not checkpointed (to be destroyed).
     * Default: nothing to recover.
     */
    modkit_status (*recover)(void *instance, modkit_str states_json, modkit_str orphans_json,
                             modkit_writer *err);
    /**
     * Before the container's process exists. `config_json` is a Mesos ContainerConfig. May write a
     * Mesos ContainerLaunchInfo JSON object to `launch_info` (environment, pre_exec_commands,
     * clone_namespaces such as "pid", rlimits, capabilities); writing nothing means no changes.
     * Called isolator by isolator in --isolation order. Default: no changes.
     */
    modkit_status (*prepare)(void *instance, modkit_str container_id, modkit_str config_json,
                             modkit_writer *launch_info, modkit_writer *err);
    /** The container's first process `pid` exists and has not exec'd yet. Default: nothing. */
    modkit_status (*isolate)(void *instance, modkit_str container_id, int32_t pid,
                             modkit_writer *err);
    /**
     * Starts watching for a limitation; returns at once. Keep `sink` and call sink->raise at most
     * once when the container hits a limit. Default: never raises.
     */
    modkit_status (*watch)(void *instance, modkit_str container_id,
                           const modkit_limitation_sink *sink, modkit_writer *err);
    /** The container's resources changed; `resources_json` is a v1 Resource array. Default: ok. */
    modkit_status (*update)(void *instance, modkit_str container_id, modkit_str resources_json,
                            modkit_writer *err);
    /**
     * Writes a (partial) Mesos ResourceStatistics JSON object to `statistics`; the host merges the
     * partial statistics of all isolators. Default: nothing.
     */
    modkit_status (*usage)(void *instance, modkit_str container_id, modkit_writer *statistics,
                           modkit_writer *err);
    /** Writes a (partial) Mesos ContainerStatus JSON object to `status`. Default: nothing. */
    modkit_status (*status)(void *instance, modkit_str container_id, modkit_writer *status,
                            modkit_writer *err);
    /**
     * The container is gone; release everything held for it. Must accept unknown ids (a failed
     * launch, a second cleanup) and return MODKIT_OK for them. Called in reverse --isolation order.
     * Default: ok.
     */
    modkit_status (*cleanup)(void *instance, modkit_str container_id, modkit_writer *err);
} modkit_isolator_vtable;

/* ---------------------------------------------------------------------------------------------- */
/* Sorter (MODKIT_KIND_SORTER), selected by --role_sorter / --framework_sorter                      */
/* ---------------------------------------------------------------------------------------------- */

/** A borrowed array of scalar quantities. */
typedef struct modkit_scalars {
    const modkit_scalar *items;
    size_t len;
} modkit_scalars;

/**
 * Orders clients (roles or frameworks) by fairness. Clients are paths (`a/b/c`). All entries are
 * required. An instance is used by one thread at a time.
 */
typedef struct modkit_sorter_vtable {
    /** sizeof(modkit_sorter_vtable) as the module knew it. */
    uint32_t size;
    /** Adds a client (inactive until `activate`). Adding an existing client is an error. */
    modkit_status (*add_client)(void *instance, modkit_str client, modkit_writer *err);
    /** Removes a client and its allocations. Unknown client: MODKIT_NOT_FOUND. */
    modkit_status (*remove_client)(void *instance, modkit_str client, modkit_writer *err);
    /** Makes a client listed by `sort`. */
    modkit_status (*activate)(void *instance, modkit_str client, modkit_writer *err);
    /** Stops listing a client in `sort`; its allocation still counts. */
    modkit_status (*deactivate)(void *instance, modkit_str client, modkit_writer *err);
    /** Sets the weight of a path (client or inner node); applies to clients added later too. */
    modkit_status (*update_weight)(void *instance, modkit_str path, double weight,
                                   modkit_writer *err);
    /** Adds an agent's total to the pool shares are computed against. */
    modkit_status (*add_agent)(void *instance, modkit_str agent, modkit_scalars total,
                               modkit_writer *err);
    /** Removes an agent's total (the same quantities it was added with). */
    modkit_status (*remove_agent)(void *instance, modkit_str agent, modkit_writer *err);
    /** `resources` on `agent` were allocated to `client`. */
    modkit_status (*allocated)(void *instance, modkit_str client, modkit_str agent,
                               modkit_scalars resources, modkit_writer *err);
    /** An allocation of `client` on `agent` changed from `old_resources` to `new_resources`. */
    modkit_status (*update)(void *instance, modkit_str client, modkit_str agent,
                            modkit_scalars old_resources, modkit_scalars new_resources,
                            modkit_writer *err);
    /** `resources` on `agent` were given back by `client`. */
    modkit_status (*unallocated)(void *instance, modkit_str client, modkit_str agent,
                                 modkit_scalars resources, modkit_writer *err);
    /**
     * Writes the client's total allocation as a JSON object of name → quantity
     * ({"cpus": 4, "mem": 1024}).
     */
    modkit_status (*allocation)(void *instance, modkit_str client, modkit_writer *out,
                                modkit_writer *err);
    /**
     * Writes the active clients in fairness order, ONE CLIENT PER WRITE. When a write returns
     * MODKIT_STOP the host needs no more (an allocator looking for the first eligible client):
     * stop and return MODKIT_OK.
     */
    modkit_status (*sort)(void *instance, modkit_writer *out, modkit_writer *err);
    /** Sets `*out` to whether `client` was added. */
    modkit_status (*contains)(void *instance, modkit_str client, bool *out, modkit_writer *err);
    /** Sets `*out` to the number of clients. */
    modkit_status (*count)(void *instance, size_t *out, modkit_writer *err);
} modkit_sorter_vtable;

/* ---------------------------------------------------------------------------------------------- */
/* Allocator (MODKIT_KIND_ALLOCATOR), selected by --allocator                                       */
/* ---------------------------------------------------------------------------------------------- */

/** Receives the offers of one `allocate` call. */
typedef struct modkit_offer_sink {
    /** sizeof(modkit_offer_sink) as the host knew it. */
    uint32_t size;
    /** Opaque host context. */
    void *ctx;
    /**
     * One offer: `resources` (Mesos resource text) on `agent` to `framework` for `role`. Returns
     * MODKIT_OK, or an error when the host refuses the offer (the allocator then keeps the resources
     * unallocated and stops).
     */
    modkit_status (*offer)(void *ctx, modkit_str framework, modkit_str agent, modkit_str role,
                           modkit_str resources);
} modkit_offer_sink;

/**
 * The whole allocation policy. Time never comes from a clock inside the module: `now` (seconds on
 * the host's clock, real or simulated) is passed to `allocate`. Resources are Mesos resource text.
 * All entries are required but `metrics` (default: no metrics). One thread at a time.
 */
typedef struct modkit_allocator_vtable {
    /** sizeof(modkit_allocator_vtable) as the module knew it. */
    uint32_t size;
    /** A framework subscribed to `roles`; `active` says whether it gets offers right away. */
    modkit_status (*add_framework)(void *instance, modkit_str framework, const modkit_str *roles,
                                   size_t roles_len, bool active, modkit_writer *err);
    /** The framework is gone; its allocations are forgotten. */
    modkit_status (*remove_framework)(void *instance, modkit_str framework, modkit_writer *err);
    modkit_status (*activate_framework)(void *instance, modkit_str framework, modkit_writer *err);
    modkit_status (*deactivate_framework)(void *instance, modkit_str framework,
                                          modkit_writer *err);
    /** The framework's roles changed. */
    modkit_status (*update_framework)(void *instance, modkit_str framework,
                                      const modkit_str *roles, size_t roles_len,
                                      modkit_writer *err);
    /** An agent with `total` resources and `attributes` (Mesos attribute text) joined. */
    modkit_status (*add_agent)(void *instance, modkit_str agent, modkit_str total,
                               modkit_str attributes, modkit_writer *err);
    /** The agent is gone; its allocations are forgotten. */
    modkit_status (*remove_agent)(void *instance, modkit_str agent, modkit_writer *err);
    /** The agent's total changed. */
    modkit_status (*update_agent)(void *instance, modkit_str agent, modkit_str total,
                                  modkit_writer *err);
    /**
     * `resources` on `agent` are in use by `framework` for `role` (tasks that were running before
     * the allocator learned of them, e.g. after a master failover).
     */
    modkit_status (*add_used)(void *instance, modkit_str agent, modkit_str framework,
                              modkit_str role, modkit_str resources, modkit_writer *err);
    /**
     * `resources` on `agent`, allocated to `framework` for `role`, come back (declined offer,
     * finished task). `refuse_seconds` > 0 installs a filter: those resources are not offered
     * again from that agent to that framework until a batch allocation at or after
     * now + refuse_seconds (INFINITY = never).
     */
    modkit_status (*recover_resources)(void *instance, modkit_str framework, modkit_str agent,
                                       modkit_str role, modkit_str resources,
                                       double refuse_seconds, modkit_writer *err);
    /** Stops offers to `framework` for `roles` (all its roles when roles_len is 0). */
    modkit_status (*suppress)(void *instance, modkit_str framework, const modkit_str *roles,
                              size_t roles_len, modkit_writer *err);
    /** Resumes offers to `framework` for `roles` (all when 0) and clears its filters. */
    modkit_status (*revive)(void *instance, modkit_str framework, const modkit_str *roles,
                            size_t roles_len, modkit_writer *err);
    /** Sets role weights (`value` = weight); a role not listed keeps its weight. */
    modkit_status (*update_weights)(void *instance, modkit_scalars weights, modkit_writer *err);
    /**
     * Sets the quota of `role`: `guarantee` and `limit` as resource text; an empty string means no
     * guarantee / no limit.
     */
    modkit_status (*update_quota)(void *instance, modkit_str role, modkit_str guarantee,
                                  modkit_str limit, modkit_writer *err);
    /** Runs one batch allocation cycle at time `now` (seconds), handing offers to `offers`. */
    modkit_status (*allocate)(void *instance, double now, const modkit_offer_sink *offers,
                              modkit_writer *err);
    /** Optional: writes a JSON object of metric name → number. */
    modkit_status (*metrics)(void *instance, modkit_writer *out, modkit_writer *err);
} modkit_allocator_vtable;

/* ---------------------------------------------------------------------------------------------- */
/* Hook (MODKIT_KIND_HOOK), selected by --hooks=a,b (run in that order)                            */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Decorators and hooks, as Mesos's. Every entry is optional (NULL = not implemented = "none").
 *
 * A decorator gets one JSON object `input_json` (its members named below) and may write a JSON
 * value to `out`: writing something means "some" (it replaces the previous value in the chain);
 * writing nothing means "none" (the value stays as it was). Each decorator sees the result of the
 * hooks before it. A returned error is handled by the host's --hook_error_policy.
 */
typedef struct modkit_hook_vtable {
    /** sizeof(modkit_hook_vtable) as the module knew it. */
    uint32_t size;
    /** input {task_info, framework_info, agent_info}; out: Labels ({"labels": [...]}). */
    modkit_status (*master_launch_task_label_decorator)(void *instance, modkit_str input_json,
                                                        modkit_writer *out, modkit_writer *err);
    /** input {task_info, resources}; out: v1 Resource array for the task. */
    modkit_status (*master_launch_task_resource_decorator)(void *instance, modkit_str input_json,
                                                           modkit_writer *out,
                                                           modkit_writer *err);
    /** input {agent_info}; no output. */
    modkit_status (*master_agent_lost_hook)(void *instance, modkit_str input_json,
                                            modkit_writer *err);
    /** input {task_info, executor_info, framework_info, agent_info}; out: Labels. */
    modkit_status (*agent_run_task_label_decorator)(void *instance, modkit_str input_json,
                                                    modkit_writer *out, modkit_writer *err);
    /** input {executor_info}; out: Environment ({"variables": [...]}). */
    modkit_status (*agent_executor_environment_decorator)(void *instance, modkit_str input_json,
                                                          modkit_writer *out,
                                                          modkit_writer *err);
    /**
     * input {framework_id, task_status}; out: TaskStatus — only its labels and container_status
     * are kept by the host.
     */
    modkit_status (*agent_task_status_decorator)(void *instance, modkit_str input_json,
                                                 modkit_writer *out, modkit_writer *err);
    /** input {agent_info}; out: v1 Resource array the agent advertises. */
    modkit_status (*agent_resources_decorator)(void *instance, modkit_str input_json,
                                               modkit_writer *out, modkit_writer *err);
    /** input {agent_info}; out: v1 Attribute array. */
    modkit_status (*agent_attributes_decorator)(void *instance, modkit_str input_json,
                                                modkit_writer *out, modkit_writer *err);
    /** input {framework_info, executor_info}; no output. */
    modkit_status (*agent_remove_executor_hook)(void *instance, modkit_str input_json,
                                                modkit_writer *err);
    /** input {container_id, directory}; no output. */
    modkit_status (*agent_post_fetch_hook)(void *instance, modkit_str input_json,
                                           modkit_writer *err);
} modkit_hook_vtable;

/* ---------------------------------------------------------------------------------------------- */
/* Anonymous (MODKIT_KIND_ANONYMOUS): created right after loading, before any other module; lives   */
/* beside the host with no callbacks. `vtable` may be NULL.                                        */
/* ---------------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------------- */
/* Device provider (MODKIT_KIND_DEVICE_PROVIDER): reports a vendor's devices (GPUs, FPGAs, NICs)   */
/* to the agent, which advertises them as resources and hands them to containers (gpu/devices).   */
/* Named by the agent's --device_providers=<symbol>@<library path>, or loaded with --modules       */
/* (kind device_provider) and named there by its module name alone; beside the built-in `static`   */
/* (--devices) and `nvidia` (NVML) providers. `create` gets no parameters.                         */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Every entry is required. Called once per host start (the agent to advertise, gpu/devices to
 * allocate), from one thread at a time; the answer must not change while the host runs.
 */
typedef struct modkit_device_provider_vtable {
    /** sizeof(modkit_device_provider_vtable) as the module knew it. */
    uint32_t size;
    /**
     * Writes one JSON object to `out`:
     *   {"devices": [{"resource": "fpgas", "index": 0, "nodes": ["/dev/fpga0"],
     *                 "major": 240, "minor": 0, "vendor": "Example", "model": "X1"}, ...],
     *    "shared_nodes": ["/dev/fpga-ctl"]}
     * `resource` is the scalar resource the device counts in (the agent advertises one unit per
     * device); `index` is unique per resource and is what the task is told (MODKIT_GPU_DEVICES
     * for `gpus`, MODKIT_DEVICES_<RESOURCE> otherwise); `major`:`minor` is the character device
     * the container is granted (read, write, mknod); `nodes` are its paths on the host.
     * `shared_nodes` (optional) are control nodes granted to every container holding one of
     * the devices; the host stats them for their numbers.
     */
    modkit_status (*devices)(void *instance, modkit_writer *out, modkit_writer *err);
} modkit_device_provider_vtable;

/* ---------------------------------------------------------------------------------------------- */
/* Helpers for C module authors                                                                   */
/* ---------------------------------------------------------------------------------------------- */

/** Marks the descriptor object as exported. */
#if defined(_WIN32)
#define MODKIT_EXPORT __declspec(dllexport)
#else
#define MODKIT_EXPORT __attribute__((visibility("default")))
#endif

/** A modkit_str for a string literal. */
#define MODKIT_STR_LIT(s) ((modkit_str){(s), sizeof(s) - 1})

/** Writes a NUL-terminated string through a writer; returns the writer's status. */
static inline modkit_status modkit_write_cstr(modkit_writer *w, const char *s) {
    size_t n = 0;
    if (w == NULL || w->write == NULL || s == NULL) {
        return MODKIT_OK;
    }
    while (s[n] != '\0') {
        n++;
    }
    return w->write(w->ctx, s, n);
}

#ifdef __cplusplus
}
#endif

#endif /* MODKIT_H */
