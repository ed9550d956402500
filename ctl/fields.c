/* SPDX-License-Identifier: MIT */
/*
 * Typed reads of the daemon's JSON. A field missing or of another type reads as "" or false: an
 * older or newer daemon's status still prints, with blanks where it differs.
 */
#include "ctl.h"

const char *string_of(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

bool bool_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}
