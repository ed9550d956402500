/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: a buffer as read from an nf_tables netlink socket, walked, decoded with libnftnl and
 * applied to the firewall model, then the model's queries. Seeds: the .nft files in
 * tests/unit/data (captured from a real kernel by capture-nft.sh there).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firewall-nft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Firewall *fw;
	size_t n;

	/* An exact-size copy, so reading one byte past the end is caught. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (firewall_new(&fw) < 0)
		abort();
	firewall_begin_sync(fw, FW_BACKEND_NFT);
	if (firewall_nft_apply_buffer(fw, buf, size) == -ENOMEM)
		abort();
	const FwChain *chains = firewall_chains(fw, &n);
	for (size_t i = 0; i < n; i++)
		(void)firewall_jumps_to(fw, &chains[i]);
	(void)firewall_sweep(fw, FW_BACKEND_NFT);
	firewall_free(fw);
	free(buf);
	return 0;
}
