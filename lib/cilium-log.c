/* SPDX-License-Identifier: MIT */
/*
 * The agent pod's container logs in the CRI format the kubelet writes
 * (pkg/kubelet/kuberuntime/logs: "TIMESTAMP STREAM P|F CONTENT", P = the content goes on in the
 * next line of the same stream), and the one table of fatal start-up lines routeguard knows, with
 * their fixes. Cilium 1.14 to 1.16 log in logrus text format on stderr; a check in initEnv calls
 * log.Fatal, option validation logs "invalid daemon configuration: …", and errors in daemon
 * creation come wrapped ("failed to start: daemon creation failed: …"), so a row matches on the
 * stable inner text, never on the wrappers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cilium.h"

/* clang-format off */
static const CiliumFatalInfo FATALS[] = {
	{"R1", {"auto-direct-node-routes cannot be used with tunneling"},
	 "auto-direct-node-routes is true while Cilium runs in tunnel mode",
	 "Set routingMode: native and ipv4NativeRoutingCIDR (K3s's cluster-cidr) in Cilium's Helm "
	 "values: tunnel: disabled does nothing since Cilium 1.15, and with routing-mode unset Cilium "
	 "runs in tunnel mode. If tunnel mode is wanted, set autoDirectNodeRoutes: false instead"},
	{"R2", {"native routing cidr must be configured"},
	 "native routing without ipv4-native-routing-cidr",
	 "Set ipv4NativeRoutingCIDR to K3s's cluster-cidr (10.42.0.0/16 by default) in Cilium's Helm "
	 "values"},
	{"R3", {"invalid routing mode"},
	 "routing-mode is neither native nor tunnel",
	 "Set routingMode: native (lower case; the agent knows only native and tunnel)"},
	{"R4", {"Option --routing-mode cannot be used in combination with --tunnel"},
	 "both tunnel and routing-mode are set (Cilium 1.14)",
	 "Drop the tunnel value (deprecated in 1.14, removed in 1.15) and keep routingMode: native"},
	{"T1", {"invalid tunnel protocol"},
	 "tunnel-protocol is neither vxlan nor geneve",
	 "tunnelProtocol takes vxlan or geneve, never disabled: for native routing set "
	 "routingMode: native and leave tunnelProtocol unset"},
	{"T2", {"cilium_vxlan: address already in use", "failed to setup vxlan tunnel device"},
	 "another VXLAN device holds Cilium's UDP port 8472",
	 "Usually Flannel's flannel.1: set flannel-backend: none in K3s and delete flannel.1 (mode: "
	 "enforce does), or set routingMode: native; during a migration, tunnelPort: 8473"},
	{"T3", {"or local-router-ipv6 in tunnel mode", "The high-scale IPcache mode requires native routing",
		"requires the agent to run in direct routing mode"},
	 "an option that needs native routing while Cilium runs in tunnel mode",
	 "Set routingMode: native with ipv4NativeRoutingCIDR, or turn the option off"},
	{"D1", {"unable to determine direct routing device"},
	 "the agent cannot tell which NIC carries node traffic",
	 "Set devices: [NATIVE] (the NIC of the node network, e.g. enp7s0 on Hetzner Cloud) in "
	 "Cilium's Helm values; routeguardctl preflight prints it"},
	{"D2", {"No device found matching", "failed to detect devices"},
	 "devices names no NIC of this node",
	 "Correct devices: NIC names differ by image (eth0, ens10, enp7s0); a wildcard such as enp+ "
	 "must match one"},
	{"K1", {"Invalid value for --kube-proxy-replacement"},
	 "kube-proxy-replacement is not true or false",
	 "Set kubeProxyReplacement: true (strict, partial and disabled were removed in Cilium 1.16)"},
	{"K2", {"Build config failed", "Unable to contact k8s api-server"},
	 "the agent cannot reach the Kubernetes API server",
	 "With kube-proxy replacement nothing serves the API's ClusterIP: set k8sServiceHost: "
	 "127.0.0.1 and k8sServicePort: 6444 (K3s's local API endpoint on servers and agents)"},
	{"K3", {"mode cannot be used with vxlan tunneling", "mode requires geneve dispatch"},
	 "a load-balancer mode that tunnel mode cannot carry",
	 "Set routingMode: native, or loadBalancer.mode: snat"},
	{"I1", {"Unknown IPAM backend"},
	 "ipam names no IPAM mode the agent knows",
	 "Set ipam.mode: kubernetes (the pod CIDRs K3s assigns each node)"},
	{"I2", {"Cannot specify IPAM mode"},
	 "an IPAM mode that needs native routing while Cilium runs in tunnel mode",
	 "Set routingMode: native, or ipam.mode: kubernetes"},
};
/* clang-format on */

const CiliumFatalInfo *cilium_fatal_table(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(FATALS);
	return FATALS;
}

void cilium_fatal_clear(CiliumFatal *f)
{
	free(f->line);
	free(f->timestamp);
	free(f->path);
	*f = (CiliumFatal){};
}

/* A line that ends the process or its start: logrus's level=fatal, cobra's "Error: " (the
 * `config` init container), or the hive's failed start. Other lines may name the same errors
 * while the agent retries and recovers. */
static bool terminal(const char *message)
{
	return strstr(message, "level=fatal") || strncmp(message, "Error: ", 7) == 0 ||
	       strstr(message, "msg=\"Start failed\"") ||
	       strstr(message, "msg=\"Start hook failed\"");
}

const CiliumFatalInfo *cilium_fatal_match(const char *message)
{
	if (!terminal(message))
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(FATALS); i++)
		for (size_t j = 0; j < ELEMENTSOF(FATALS[i].match) && FATALS[i].match[j]; j++)
			if (strstr(message, FATALS[i].match[j]))
				return &FATALS[i];
	return NULL;
}

#define QUOTE_MAX 512

/* The value of a logrus field (key="…"), unescaped \" and \\; NULL when absent. */
static char *field_value(const char *message, const char *key)
{
	char pattern[16];
	const char *p;
	char *out, *o;

	snprintf(pattern, sizeof(pattern), " %s=\"", key);
	if (strncmp(message, pattern + 1, strlen(pattern) - 1) == 0)
		p = message + strlen(pattern) - 1;
	else if ((p = strstr(message, pattern)))
		p += strlen(pattern);
	else
		return NULL;
	if (!(out = malloc(strlen(p) + 1)))
		return NULL;
	for (o = out; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* What to quote: the msg field if it holds the matched text, else the error field, else all. */
static char *quote(const char *message, const CiliumFatalInfo *info)
{
	static const char *const keys[] = {"msg", "error"};
	char *s = NULL;

	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		s = field_value(message, keys[k]);
		bool holds = false;
		for (size_t j = 0; s && j < ELEMENTSOF(info->match) && info->match[j]; j++)
			holds = holds || strstr(s, info->match[j]);
		if (holds)
			break;
		free(s);
		s = NULL;
	}
	if (!s && !(s = strdup(message)))
		return NULL;
	if (strlen(s) > QUOTE_MAX)
		strcpy(s + QUOTE_MAX - 3, "...");
	return s;
}

typedef struct Partial {
	char *text;
	size_t len;
} Partial;

static int append(Partial *p, const char *s, size_t len)
{
	/* A bounded line: a stream of P parts never ending would otherwise grow without end. */
	if (p->len + len > 64 * 1024)
		len = p->len < 64 * 1024 ? 64 * 1024 - p->len : 0;
	char *grown = realloc(p->text, p->len + len + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + p->len, s, len);
	p->text = grown;
	p->len += len;
	p->text[p->len] = '\0';
	return 0;
}

/* Splits a CRI line; false when it is not one. */
static bool split_cri(const char *line, size_t len, const char **ret_stream, bool *ret_partial,
		      const char **ret_content, size_t *ret_timestamp_len)
{
	const char *end = line + len;
	const char *sp1 = memchr(line, ' ', len);
	if (!sp1 || sp1 == line || line[0] < '0' || line[0] > '9')
		return false;
	const char *stream = sp1 + 1;
	const char *sp2 = memchr(stream, ' ', (size_t)(end - stream));
	if (!sp2)
		return false;
	if (!((sp2 - stream == 6 && memcmp(stream, "stdout", 6) == 0) ||
	      (sp2 - stream == 6 && memcmp(stream, "stderr", 6) == 0)))
		return false;
	const char *tag = sp2 + 1;
	if (tag >= end || (*tag != 'P' && *tag != 'F'))
		return false;
	const char *sp3 = memchr(tag, ' ', (size_t)(end - tag));
	/* "F" then a space and the content; an empty content may lack the space */
	*ret_content = sp3 ? sp3 + 1 : end;
	*ret_stream = stream;
	*ret_partial = *tag == 'P';
	*ret_timestamp_len = (size_t)(sp1 - line);
	return true;
}

int cilium_log_newest_fatal(const char *text, size_t len, CiliumFatal *ret)
{
	Partial partial[2] = {};
	CiliumFatal found = {};
	const char *p = text, *end = text + len;
	int r = 0;

	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *stream, *content;
		bool is_partial;
		size_t ts_len;

		if (split_cri(p, (size_t)(line_end - p), &stream, &is_partial, &content, &ts_len)) {
			Partial *part = &partial[stream[3] == 'e']; /* stdERr */
			r = append(part, content, (size_t)(line_end - content));
			if (r == 0 && !is_partial) {
				const CiliumFatalInfo *info = cilium_fatal_match(part->text);
				if (info) {
					cilium_fatal_clear(&found);
					found.info = info;
					found.line = quote(part->text, info);
					found.timestamp = strndup(p, ts_len);
					if (!found.line || !found.timestamp)
						r = -ENOMEM;
				}
				free(part->text);
				*part = (Partial){};
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(partial[0].text);
	free(partial[1].text);
	if (r < 0) {
		cilium_fatal_clear(&found);
		return r;
	}
	*ret = found;
	return 0;
}
