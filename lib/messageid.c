/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "messageid.h"

const char *message_id(CheckId check, Transition t)
{
	const CheckInfo *info = check_info(check);
	return info && (unsigned)t < _TRANSITION_MAX ? info->message_ids[t] : NULL;
}

const char *transition_to_string(Transition t)
{
	static const char *const names[_TRANSITION_MAX] = {"opened", "resolved", "action"};
	return (unsigned)t < _TRANSITION_MAX ? names[t] : "?";
}
