/* SPDX-License-Identifier: MIT */
/*
 * Prints the check table as the built code has it, one check a line:
 *
 *   NAME KIND SEVERITY OPENED-ID RESOLVED-ID ACTION-ID
 *
 * KIND is finding or alert, SEVERITY the default one. tests/check-catalog.sh holds the journald
 * catalog and the README's checks table to it, so neither can miss a check.
 */
#include <stdio.h>

#include "messageid.h"

int main(void)
{
	for (CheckId id = 0; id < _CHECK_MAX; id++) {
		const CheckInfo *info = check_info(id);
		printf("%s %s %s", info->name, info->kind == CHECK_KIND_ALERT ? "alert" : "finding",
		       severity_to_string(info->severity));
		for (Transition t = 0; t < _TRANSITION_MAX; t++)
			printf(" %s", message_id(id, t));
		printf("\n");
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
