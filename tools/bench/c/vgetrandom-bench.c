/*
 * The C limit: times the vDSO getrandom function and the getrandom syscall called
 * directly from C, for the same sizes as the Node rows.
 *
 * usage: vgetrandom-bench OFFSET MS SIZE...
 *   OFFSET  byte offset of the vDSO getrandom function inside the vDSO image, as
 *           @vgetrandom/vdso computes it (the image is the same in every process of a
 *           kernel, so only the base differs, and getauxval gives that)
 *   MS      time budget per size and per method, in milliseconds
 * Prints one JSON object per size: {"size":16,"vdso_ns":43.1,"syscall_ns":227.0}
 * (medians of batch means).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef long (*vgetrandom_fn)(void *buffer, size_t length, unsigned int flags, void *state, size_t state_length);

struct opaque_params {
	uint32_t size_of_opaque_state;
	uint32_t mmap_prot;
	uint32_t mmap_flags;
	uint32_t reserved[13];
};

static vgetrandom_fn vgetrandom;
static void *state;
static size_t state_size;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One call of the method under test; a short count is an error here (sizes are small). */
static void call(int use_vdso, unsigned char *buffer, size_t size)
{
	long got = use_vdso ? vgetrandom(buffer, size, 0, state, state_size)
			    : syscall(SYS_getrandom, buffer, size, 0);
	if (got != (long)size) {
		fprintf(stderr, "getrandom returned %ld for %zu bytes\n", got, size);
		exit(1);
	}
}

/* Median of batch means: batches of about 100 microseconds until the budget is spent. */
static double time_method(int use_vdso, unsigned char *buffer, size_t size, double budget_ns)
{
	static double means[100000];
	size_t count = 0, batch = 1;
	double start = now_ns(), probe;

	for (int i = 0; i < 100; i++)
		call(use_vdso, buffer, size);
	probe = now_ns();
	for (int i = 0; i < 10; i++)
		call(use_vdso, buffer, size);
	probe = (now_ns() - probe) / 10;
	if (probe < 100000)
		batch = (size_t)(100000 / (probe > 1 ? probe : 1));

	while ((now_ns() - start < budget_ns || count < 5) && count < sizeof(means) / sizeof(means[0])) {
		double t0 = now_ns();
		for (size_t i = 0; i < batch; i++)
			call(use_vdso, buffer, size);
		means[count++] = (now_ns() - t0) / (double)batch;
	}
	qsort(means, count, sizeof(means[0]), by_value);
	return means[count / 2];
}

int main(int argc, char **argv)
{
	struct opaque_params params;
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	size_t largest = 0;
	double budget_ns;

	if (argc < 4) {
		fprintf(stderr, "usage: %s OFFSET MS SIZE...\n", argv[0]);
		return 2;
	}
	if (base == 0) {
		fprintf(stderr, "this process has no vDSO\n");
		return 3;
	}
	vgetrandom = (vgetrandom_fn)(base + strtoul(argv[1], NULL, 0));
	budget_ns = atof(argv[2]) * 1e6;

	/* The params query: all bits of opaque_len set. */
	if (vgetrandom(NULL, 0, 0, &params, ~0UL) != 0) {
		fprintf(stderr, "the vDSO params query failed\n");
		return 3;
	}
	state_size = params.size_of_opaque_state;
	state = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), (int)params.mmap_prot, (int)params.mmap_flags, -1, 0);
	if (state == MAP_FAILED) {
		perror("mmap");
		return 3;
	}
	for (int i = 3; i < argc; i++)
		if (strtoul(argv[i], NULL, 0) > largest)
			largest = strtoul(argv[i], NULL, 0);
	unsigned char *buffer = malloc(largest ? largest : 1);
	if (!buffer)
		return 3;

	for (int i = 3; i < argc; i++) {
		size_t size = strtoul(argv[i], NULL, 0);
		double vdso_ns = time_method(1, buffer, size, budget_ns);
		double syscall_ns = time_method(0, buffer, size, budget_ns);
		printf("{\"size\":%zu,\"vdso_ns\":%.2f,\"syscall_ns\":%.2f}\n", size, vdso_ns, syscall_ns);
		fflush(stdout);
	}
	return 0;
}
