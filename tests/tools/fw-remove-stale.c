/* SPDX-License-Identifier: MIT */
/*
 * Proves a chain's removal is all or nothing on the real kernel: reads nf_tables, adds to the model
 * one jump the kernel does not have (a stale handle), and asks fw_remove_leftover() for the chain.
 * The kernel must refuse the batch; the caller then checks the chain and its real jumps are still
 * there. Exit 0 when the removal failed as it should.
 *
 *   fw-remove-stale TABLE/CHAIN FROM-CHAIN
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "firewall-enforcer.h"
#include "firewall-read.h"

int main(int argc, char **argv)
{
	Firewall *fw = NULL;
	char message[512];

	if (argc != 3 || !strchr(argv[1], '/')) {
		fprintf(stderr, "usage: fw-remove-stale TABLE/CHAIN FROM-CHAIN\n");
		return 2;
	}
	if (firewall_new(&fw) < 0 || firewall_nft_read(fw, NULL) < 0) {
		fprintf(stderr, "fw-remove-stale: cannot read nf_tables\n");
		return 2;
	}
	FwRule stale = {.backend = FW_BACKEND_NFT, .family = 2, .handle = 999999};
	snprintf(stale.table, sizeof(stale.table), "%.*s", (int)strcspn(argv[1], "/"), argv[1]);
	snprintf(stale.chain, sizeof(stale.chain), "%s", argv[2]);
	snprintf(stale.target, sizeof(stale.target), "%s", strchr(argv[1], '/') + 1);
	if (firewall_add_rule(fw, &stale) < 0)
		return 2;
	int r = fw_remove_leftover(fw, argv[1], message, sizeof(message));
	printf("%d %s\n", r, message);
	firewall_free(fw);
	/* The kernel's ENOENT for the stale handle, reported as an aborted transaction. */
	return r < 0 && strstr(message, "aborted") ? 0 : 1;
}
