/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the systemd-style file reader, fed the bytes as one file's text, and their first line
 * as a unit name whose drop-in directories are derived (below a root that does not exist).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unitfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	UnitFile *u = NULL;
	size_t n = 0;
	char name[256];

	if (unit_file_new(&u) < 0 ||
	    unit_file_parse(u, "fuzz.service", (const char *)data, size) < 0)
		abort();
	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, NULL, NULL)); n++)
		if (!*a->key)
			abort(); /* an assignment always has a key */
	if (n != u->n_assignments)
		abort();
	(void)unit_file_next(u, NULL, "Service", "ExecStart");
	unit_file_free(u);

	size_t len = 0;
	while (len < size && len < sizeof(name) - 1 && data[len] != '\n' && data[len] != '\0') {
		name[len] = (char)data[len];
		len++;
	}
	name[len] = '\0';
	if (*name && !strchr(name, '/')) {
		if (unit_file_load("/nonexistent-routeguard-fuzz", name, &u) < 0)
			abort();
		unit_file_free(u);
	}
	return 0;
}
