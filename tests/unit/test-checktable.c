/* SPDX-License-Identifier: MIT */
/* The check table: a row for every CheckId, names that round-trip, the kinds others rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "unit-main.h"
#include "checktable.h"

static void test_every_id_has_a_row(void **state)
{
	for (CheckId id = 0; id < _CHECK_MAX; id++) {
		const CheckInfo *info = check_info(id);
		assert_non_null(info);
		assert_non_null(info->name);
		/* kebab-case, as every key of the status object and the YAML */
		assert_true(strlen(info->name) > 0);
		assert_int_equal(strspn(info->name, "abcdefghijklmnopqrstuvwxyz0123456789-"),
				 strlen(info->name));
		assert_int_equal(check_from_string(info->name), id);
		assert_string_equal(check_to_string(id), info->name);
	}
}

static void test_unknown_ids_and_names(void **state)
{
	assert_null(check_info(_CHECK_MAX));
	assert_null(check_info(_CHECK_INVALID));
	assert_null(check_to_string(_CHECK_MAX));
	assert_int_equal(check_from_string("no-such-check"), _CHECK_INVALID);
	assert_int_equal(check_from_string(""), _CHECK_INVALID);
	assert_false(check_subject_is_device(_CHECK_MAX));
}

/* journald's INTERFACE= goes with these and no others (DESIGN.md §8). */
static void test_device_subjects(void **state)
{
	static const CheckId devices[] = {CHECK_FLANNEL_DEVICE, CHECK_TUNNEL_DEVICE,
					  CHECK_MTU_MISMATCH, CHECK_DEVICE_RECREATED, CHECK_VXLAN_PORT_CONFLICT};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		assert_true(check_subject_is_device(devices[i]));
	for (CheckId id = 0; id < _CHECK_MAX; id++)
		n += check_subject_is_device(id);
	assert_int_equal(n, sizeof(devices) / sizeof(devices[0]));
	/* a configured name that is not on the node is no interface to point at */
	assert_false(check_subject_is_device(CHECK_NATIVE_DEVICE_MISSING));
	/* cilium-tunnel-mode names a device only when the device is all the evidence there is */
	assert_true(check_subject_names_device(CHECK_CILIUM_TUNNEL_MODE, "cilium_vxlan"));
	assert_false(check_subject_names_device(CHECK_CILIUM_TUNNEL_MODE, "routing-mode"));
	assert_false(check_subject_names_device(CHECK_CILIUM_TUNNEL_MODE, "cilium-agent"));
	assert_false(check_subject_names_device(CHECK_CILIUM_CONFIG_MISMATCH, "devices"));
	assert_true(check_subject_names_device(CHECK_FLANNEL_DEVICE, "flannel.1"));
}

static void test_kinds_and_severities(void **state)
{
	assert_int_equal(check_info(CHECK_CONFIG_RELOAD_FAILED)->kind, CHECK_KIND_ALERT);
	assert_int_equal(check_info(CHECK_FLANNEL_DEVICE)->kind, CHECK_KIND_FINDING);
	assert_int_equal(check_info(CHECK_MTU_MISMATCH)->severity, SEVERITY_WARNING);
	assert_int_equal(check_info(CHECK_NEXTHOP_NOT_ONLINK)->severity, SEVERITY_ERROR);
	assert_int_equal(check_info(CHECK_NETWORKD_FOREIGN_ROUTES)->subject, SUBJECT_FILE);
	assert_int_equal(check_info(CHECK_FIREWALL_LEFTOVERS)->subject, SUBJECT_CHAIN);
	assert_int_equal(check_info(CHECK_FIREWALL_LEFTOVERS)->severity, SEVERITY_ERROR);
	assert_int_equal(check_info(CHECK_CNI_IPAM_LEFTOVERS)->severity, SEVERITY_WARNING);
	assert_int_equal(check_info(CHECK_CNI_IPAM_LEFTOVERS)->subject, SUBJECT_FILE);
	assert_string_equal(severity_to_string(SEVERITY_ERROR), "error");
	assert_string_equal(severity_to_string(SEVERITY_WARNING), "warning");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_id_has_a_row),
	    cmocka_unit_test(test_unknown_ids_and_names),
	    cmocka_unit_test(test_device_subjects),
	    cmocka_unit_test(test_kinds_and_severities),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
