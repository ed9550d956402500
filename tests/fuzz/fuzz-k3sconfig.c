/* SPDX-License-Identifier: MIT */
/* libFuzzer: the K3s config reader, fed the same bytes as a config.yaml and as a unit file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k3sconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	K3sConfig *k;
	Prefix p;

	char *text = malloc(size + 1);
	if (!text || k3sconfig_new(&k) < 0)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (k3sconfig_apply_yaml(k, "config.yaml", text, size) < 0 ||
	    k3sconfig_apply_unit(k, "k3s.service", text) < 0)
		abort();
	(void)k3sconfig_flannel_backend(k);
	(void)k3sconfig_cluster_cidr4(k, &p);
	k3sconfig_free(k);
	free(text);
	return 0;
}
