/* rashm config: every RASHM_* variable with its effective value and where
 * it comes from (default, environment, or a value that is not accepted:
 * then the exit status is 1). The same list closes `rashm topo`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rashm.h"

const char usage_config[] =
    "usage: rashm config [--json]\n"
    "\n"
    "Every RASHM_* environment variable: effective value, source (default,\n"
    "environment, invalid), default and meaning. Exit status 1 when a value\n"
    "is not accepted.\n";

static const char *source_name(int from_env)
{
    return from_env == 2 ? "invalid" : from_env ? "environment" : "default";
}

int out_config(struct json *j)
{
    const struct rashm_config_item *cfg = NULL;
    int n = rashm_config_items(&cfg), bad = 0;
    if (j)
        json_arr(j, "config");
    else
        printf("configuration:\n");
    for (int i = 0; i < n; i++) {
        bad |= cfg[i].from_env == 2;
        if (j) {
            json_obj(j, NULL);
            json_str(j, "name", cfg[i].name);
            json_str(j, "value", cfg[i].value);
            json_str(j, "source", source_name(cfg[i].from_env));
            json_str(j, "default", cfg[i].default_value);
            json_bool(j, "from_env", cfg[i].from_env != 0);
            json_str(j, "description", cfg[i].description);
            json_end_obj(j);
        } else if (cfg[i].from_env == 2) {
            printf("  %s: ERROR %s\n      %s\n", cfg[i].name, cfg[i].value, cfg[i].description);
        } else {
            printf("  %s=%s  (%s)\n      %s\n", cfg[i].name, cfg[i].value,
                   cfg[i].from_env ? "from the environment" : "default", cfg[i].description);
        }
    }
    if (j)
        json_end_arr(j);
    return bad;
}

int cmd_config(int argc, char **argv)
{
    bool json = false;
    int prc = parse_json_only(argc, argv, usage_config, &json);
    if (prc >= 0)
        return prc;
    int bad;
    if (json) {
        struct json j;
        json_init(&j, stdout);
        json_obj(&j, NULL);
        bad = out_config(&j);
        json_end_obj(&j);
        json_finish(&j);
    } else {
        bad = out_config(NULL);
    }
    if (bad)
        cli_err("a RASHM_* value is not accepted (see above)");
    return bad ? EXIT_RUNTIME : 0;
}
