/* SPDX-License-Identifier: MIT */
/* libFuzzer: routeguard.yaml text. Every input either loads or gives a FILE:LINE:COLUMN error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Config *c = NULL;
	ConfigError e = {};

	int r = config_load_string("fuzz.yaml", (const char *)data, size, &c, &e);
	if (r == 0) {
		if (!c)
			abort();
		config_free(c);
	} else if (r == -22 && strncmp(e.text, "fuzz.yaml:", 10) != 0) {
		abort(); /* a configuration error that does not say where */
	}
	return 0;
}
