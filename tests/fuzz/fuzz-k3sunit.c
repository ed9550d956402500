/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: the unit → command line code. The bytes up to the first NUL are an environment
 * file, the rest a unit file: the environment file parsed, the unit's ExecStart= split, its
 * specifiers and $VAR / ${VAR} expanded with that environment, and the K3s flags evaluated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k3sargs.h"
#include "k3sunit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t env_len = nul ? (size_t)(nul - data) : size;
	size_t unit_len = nul ? size - env_len - 1 : 0;
	char *unit_text = malloc(unit_len + 1);
	K3sEnv env = {};
	UnitFile *u = NULL;
	K3sUnitRun *run = NULL;
	K3sConfig *k = NULL;

	if (!unit_text)
		abort();
	memcpy(unit_text, nul ? nul + 1 : data, unit_len);
	unit_text[unit_len] = '\0';
	if (k3s_env_file_parse(&env, "fuzz.env", (const char *)data, env_len) < 0)
		abort();
	for (size_t i = 0; i < env.n; i++)
		if (!*env.vars[i].name || strchr(env.vars[i].name, '='))
			abort(); /* only variable names are kept */

	if (unit_file_new(&u) < 0 ||
	    unit_file_parse(u, "/etc/systemd/system/k3s.service", unit_text, unit_len) < 0)
		abort();
	u->main_path = u->paths[0];
	if (k3s_unit_run(NULL, "k3s-fuzz@x.service", u, &run) < 0)
		abort();
	/* the file's own environment too: split, expand, evaluate */
	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, "Service", "ExecStart"));) {
		char **words = NULL;
		size_t n = 0;
		bool odd;
		K3sArg *args = NULL;
		size_t n_args = 0;
		if (k3s_exec_split(a->value, &words, &n, &odd) < 0)
			continue;
		if (k3s_exec_expand(words, n, &env, "fuzz: ExecStart", "fuzz", &args, &n_args) <
			0 ||
		    k3sconfig_new(&k) < 0 || k3s_args_evaluate(k, args, n_args, k->files) < 0)
			abort();
		k3sconfig_free(k);
		k3s_args_free(args, n_args);
		for (size_t i = 0; i < n; i++)
			free(words[i]);
		free(words);
	}
	k3s_unit_run_free(run);
	unit_file_free(u);
	k3s_env_clear(&env);
	free(unit_text);
	return 0;
}
