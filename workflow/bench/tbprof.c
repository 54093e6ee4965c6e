// SPDX-License-Identifier: GPL-2.0-only
/*
 * A QEMU TCG plugin for profile.sh: the guest instructions executed per
 * translation block, written at exit as "<block address> <instructions>"
 * lines to the file given as out=FILE. Debian's QEMU 7.2 loads plugins but
 * ships no header for them: the few declarations of its plugin API
 * (version 1) used here are written out below. Counters are not atomic:
 * boot the guest with one CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stddef.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct { int min, cur; } version;
	bool system_emulation;
	union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, int, void *, uint64_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct rec { uint64_t vaddr, n, count; struct rec *next; };
static struct rec *head;
static const char *outfile = "tbprof.txt";

static void trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct rec *r = calloc(1, sizeof(*r));

	r->vaddr = qemu_plugin_tb_vaddr(tb);
	r->n = qemu_plugin_tb_n_insns(tb);
	r->next = head;
	head = r;	/* translation is serialised (tb_lock / mmap_lock) */
	qemu_plugin_register_vcpu_tb_exec_inline(tb, 0, &r->count, r->n);
}

static void done(qemu_plugin_id_t id, void *p)
{
	FILE *f = fopen(outfile, "w");
	struct rec *r;

	for (r = head; r; r = r->next)
		if (r->count)
			fprintf(f, "%llx %llu\n", (unsigned long long)r->vaddr,
				(unsigned long long)r->count);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	if (argc > 0 && argv[0][0] == 'o' && argv[0][1] == 'u' && argv[0][2] == 't' && argv[0][3] == '=')
		outfile = argv[0] + 4;
	qemu_plugin_register_vcpu_tb_trans_cb(id, trans);
	qemu_plugin_register_atexit_cb(id, done, NULL);
	return 0;
}
