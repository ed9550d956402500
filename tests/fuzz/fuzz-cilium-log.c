/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: a CRI log against the fatal-line table, and the same bytes as configuration-directory
 * entries ("key" NUL "value", as one file per key would hold them).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cilium.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CiliumFatal f;
	CiliumConfigView v = {};
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (cilium_log_newest_fatal(text, size, &f) < 0)
		abort();
	if (f.info && (!f.line || strlen(f.line) > 512))
		abort();
	cilium_fatal_clear(&f);
	size_t key_len = strlen(text);
	const char *value = key_len < size ? text + key_len + 1 : "";
	if (cilium_config_set(&v, text, value) < 0)
		abort();
	(void)cilium_config_routing_mode(&v);
	cilium_config_view_clear(&v);
	free(text);
	return 0;
}
