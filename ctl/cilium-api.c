/* SPDX-License-Identifier: MIT */
/*
 * preflight's one look at the Cilium agent's API: GET /v1/healthz, then GET /v1/config, over the
 * agent's Unix socket, each a blocking request with a 2-second limit and a cap on the body. A
 * one-shot client may block; the daemon asks the same through its event loop instead.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"

#define CILIUM_API_TIMEOUT_MS 2000L
#define CILIUM_API_BODY_MAX (4u * 1024 * 1024)

typedef struct Body {
	char *data;
	size_t len;
} Body;

static size_t collect(char *ptr, size_t size, size_t n, void *userdata)
{
	Body *b = userdata;
	size_t add = size * n;
	if (b->len + add > CILIUM_API_BODY_MAX)
		return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
	char *grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static int get(CURL *curl, const char *socket, const char *url, Body *ret)
{
	long status = 0;
	*ret = (Body){};
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket);
	/* Go's HTTP server answers 400 without a Host header: Cilium's own client uses localhost */
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CILIUM_API_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, ret);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(curl) != CURLE_OK ||
	    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200) {
		free(ret->data);
		*ret = (Body){};
		return -EIO;
	}
	return 0;
}

int ctl_cilium_api_fetch(const char *socket, CiliumFacts *f)
{
	struct stat st;
	Body healthz, config;
	CURL *curl;
	int r = 0;

	f->reach = CILIUM_AGENT_NOT_ASKED;
	if (!socket || !socket[0] || stat(socket, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK || !(curl = curl_easy_init()))
		return -ENOMEM;
	f->reach = CILIUM_AGENT_UNREACHABLE;
	if (get(curl, socket, "http://localhost/v1/healthz", &healthz) == 0) {
		if (get(curl, socket, "http://localhost/v1/config", &config) == 0) {
			cilium_agent_view_clear(&f->agent);
			r = cilium_agent_parse_healthz(&f->agent, healthz.data, healthz.len);
			if (r == 0)
				r = cilium_agent_parse_config(&f->agent, config.data, config.len);
			if (r == 0)
				f->reach = CILIUM_AGENT_REACHED;
			else
				cilium_agent_view_clear(&f->agent);
			free(config.data);
		}
		free(healthz.data);
	}
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return r == -ENOMEM ? r : 0;
}
