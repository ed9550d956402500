/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "checktable.h"

/*
 * Indexed by CheckId. Each row: name, kind, default severity, subject; then the MESSAGE_IDs of
 * opened, resolved and action. The metrics list the findings in this order.
 */
/* clang-format off */
static const CheckInfo CHECKS[_CHECK_MAX] = {
	[CHECK_FLANNEL_DEVICE] = {
		"flannel-device", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_DEVICE,
		{"5bee5cbc102147afb6ac48144aaf5ee9", "266e241a235a4d25a1aba5edcc909b5d",
		 "3a776331ba3d4bdfa93f2a298eb917b1"},
	},
	[CHECK_TUNNEL_DEVICE] = {
		"tunnel-device", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_DEVICE,
		{"552b95bc418b4257a5a60c64e5e0b474", "9458abd28c614601b10e04d8350704e7",
		 "92711e8942a4479dbb2ee761b420b30e"},
	},
	[CHECK_CILIUM_TUNNEL_MODE] = {
		"cilium-tunnel-mode", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_CILIUM,
		{"d5c92ade59f14eed8d8e523c31066e47", "9748dd4f4df743d58d01f40efdf229c6",
		 "17b07d526b6e48549fa2f48a9eaf155e"},
	},
	[CHECK_ROUTE_VIA_TUNNEL] = {
		"route-via-tunnel", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_ROUTE,
		{"393bcfeebe7e43119491f9e476d3aca7", "bdae6df79d6f413e9472b6f9c8724901",
		 "f16dd229778647fb9c3f744c64a3d484"},
	},
	[CHECK_NEXTHOP_NOT_ONLINK] = {
		"nexthop-not-onlink", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_PEER,
		{"d6c73f9a78d44b0f9ac1514992e42684", "3242361813a74bed8fdc8b71d105a988",
		 "4e8298b88069487bb420fe426c20b903"},
	},
	[CHECK_NATIVE_DEVICE_MISSING] = {
		"native-device-missing", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_SETTING,
		{"3c2d20603fef40aea946137d9a7d2ed6", "db3fd67918eb4778b1bd7ee7f8fdae8c",
		 "f8c0331876e5425bab68c6a1301a5b96"},
	},
	[CHECK_K3S_FLANNEL_ENABLED] = {
		"k3s-flannel-enabled", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_KEY,
		{"96d520191b274b7f9bc3bcc42abd5816", "47399499d8d14f9fb7a50f59c9d81640",
		 "81bf2c71ef59435ba7594d8f7ca0234c"},
	},
	[CHECK_K3S_NETWORK_POLICY_ENABLED] = {
		"k3s-network-policy-enabled", CHECK_KIND_FINDING, SEVERITY_WARNING, SUBJECT_KEY,
		{"76da0f63d5154e78a64deb97cfda712e", "40504ea839974ad794b21c313863edfe",
		 "5cafbcdf0c274d099df195f04932bbf1"},
	},
	[CHECK_K3S_KUBE_PROXY_ENABLED] = {
		"k3s-kube-proxy-enabled", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_KEY,
		{"7323b587e5e849e2a1eaf37571732d8e", "5898799c5b0e424585dcb9cd65e78226",
		 "7fdc1574109f4e54a83071886716de24"},
	},
	[CHECK_CLUSTER_CIDR_MISMATCH] = {
		"cluster-cidr-mismatch", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_KEY,
		{"558fb8d2869a4e4086996b4035a53696", "1a3dbc16a00844a8a98388d0ed8a0714",
		 "fc75b26e2206429280864a0e97055530"},
	},
	[CHECK_CNI_CONFLIST_CONFLICT] = {
		"cni-conflist-conflict", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_FILE,
		{"86113ec0cc6447adb6212e64415e4f65", "a116e0d0cabb44ddaa901f38a1f37625",
		 "e4fe8920b0254977aae3fb6b71dd2930"},
	},
	[CHECK_IP_FORWARD_DISABLED] = {
		"ip-forward-disabled", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_SYSCTL,
		{"7445a3bc8ce9445a80e36dd6c01b8d43", "38edf5876800403db497278a7ca60792",
		 "5c753df311cc4fc3810990527bbb5eb1"},
	},
	[CHECK_MTU_MISMATCH] = {
		"mtu-mismatch", CHECK_KIND_FINDING, SEVERITY_WARNING, SUBJECT_DEVICE,
		{"3cdf5acded274d4c8e9f615c66abd6d3", "ebe2a212f17540099bb3b63780c4e450",
		 "a434b719368941ffac0d3e9165aef010"},
	},
	[CHECK_DEVICE_RECREATED] = {
		"device-recreated", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_DEVICE,
		{"fe799cb767c34c3691bebcebcf7ab3c2", "8f97289193104977bba563b70eb9314b",
		 "e6035428fbd44a479757f89906a42284"},
	},
	[CHECK_NETWORKD_FOREIGN_ROUTES] = {
		"networkd-foreign-routes", CHECK_KIND_FINDING, SEVERITY_WARNING, SUBJECT_FILE,
		{"04d978b8ff724d2db0856ff10d020a61", "4fde0e68bd6c4ea0a12b62ee0e17d456",
		 "6c9ca29562ab41a1b653aa718decd1e5"},
	},
	[CHECK_K3S_CONFIG_INVALID] = {
		"k3s-config-invalid", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_FILE,
		{"cbe83e996b564fbf8d46498f1235d47a", "1582a7e557c44af0b61e8e141b427e0c",
		 "69027ab5758845bd9f64c5a6808d04c7"},
	},
	[CHECK_CONFIG_RELOAD_FAILED] = {
		"config-reload-failed", CHECK_KIND_ALERT, SEVERITY_ERROR, SUBJECT_FILE,
		{"8c0bc70ff6dc4d828b14026883621ba9", "bfa8027a5c1048738d98dc2a6d5ceedc",
		 "2b51783ac1354c5987b8a0cc8c7a4044"},
	},
	[CHECK_CILIUM_AGENT_FAILING] = {
		"cilium-agent-failing", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_CILIUM,
		{"f85516be1e8b4ae2825353cedcb4c07b", "f53ada6524f547b5800ad61b275e2ad6",
		 "91806a3fb8464a72939f690d63a9b186"},
	},
	[CHECK_CILIUM_CONFIG_MISMATCH] = {
		"cilium-config-mismatch", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_CILIUM,
		{"2c8412e7fc9346a6810d718b5b60599b", "389054506eb545ca9af37a01310747d1",
		 "c0524b472c3e42518d1418ea39087e98"},
	},
	[CHECK_FIREWALL_LEFTOVERS] = {
		"firewall-leftovers", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_CHAIN,
		{"246ad65ee460434993b6c6f096b99e4c", "af25ebfaf62348e78c57bf3acbcccef2",
		 "c47c48a268e94b11ba439f03ca48c636"},
	},
	[CHECK_VXLAN_PORT_CONFLICT] = {
		"vxlan-port-conflict", CHECK_KIND_FINDING, SEVERITY_ERROR, SUBJECT_DEVICE,
		{"b456dea076654815be3489acc9200bdc", "2817459a24984ff385e59ca991ff2486",
		 "f98703397b1c4adeb213a6caaa0b8cd7"},
	},
	[CHECK_CNI_IPAM_LEFTOVERS] = {
		"cni-ipam-leftovers", CHECK_KIND_FINDING, SEVERITY_WARNING, SUBJECT_FILE,
		{"5b74ed40c93946b9bb69886e66299bc7", "368f130feda846379f814993dc6c204a",
		 "932d1fb612494a23a96f30aa1566d29c"},
	},
};
/* clang-format on */

const CheckInfo *check_info(CheckId id)
{
	return id >= 0 && id < _CHECK_MAX ? &CHECKS[id] : NULL;
}

const char *check_to_string(CheckId id)
{
	const CheckInfo *info = check_info(id);
	return info ? info->name : NULL;
}

CheckId check_from_string(const char *name)
{
	for (CheckId id = 0; id < _CHECK_MAX; id++)
		if (strcmp(CHECKS[id].name, name) == 0)
			return id;
	return _CHECK_INVALID;
}

bool check_subject_is_device(CheckId id)
{
	const CheckInfo *info = check_info(id);
	return info && info->subject == SUBJECT_DEVICE;
}

bool check_subject_names_device(CheckId id, const char *subject)
{
	const CheckInfo *info = check_info(id);
	if (!info)
		return false;
	return info->subject == SUBJECT_DEVICE ||
	       (info->subject == SUBJECT_CILIUM && strncmp(subject, "cilium_", 7) == 0);
}

const char *severity_to_string(Severity s)
{
	return s == SEVERITY_ERROR ? "error" : "warning";
}
