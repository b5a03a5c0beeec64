/* rashm config: every RASHM_* variable with its effective value and where
 * it comes from (default, environment, or a value that is not accepted:
 * then the exit status is 1). The same list closes `rashm topo`. */
#include "cli.h"

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

int out_config(struct out *o)
{
    const struct rashm_config_item *cfg = NULL;
    int n = rashm_config_items(&cfg), bad = 0;
    out_arr(o, "config");
    out_text(o, "configuration:\n");
    for (int i = 0; i < n; i++) {
        bad |= cfg[i].from_env == 2;
        out_obj(o, NULL);
        out_str(o, "name", cfg[i].name);
        out_str(o, "value", cfg[i].value);
        out_str(o, "source", source_name(cfg[i].from_env));
        out_str(o, "default", cfg[i].default_value);
        out_bool(o, "from_env", cfg[i].from_env != 0);
        out_str(o, "description", cfg[i].description);
        out_end_obj(o);
        if (cfg[i].from_env == 2)
        {
            out_text(o, "  %s: ERROR\n", cfg[i].name);
            out_wrapped(o, 6, cfg[i].value);
        }
        else
            out_text(o, "  %s=%s  (%s)\n", cfg[i].name, cfg[i].value,
                     cfg[i].from_env ? "from the environment" : "default");
        out_wrapped(o, 6, cfg[i].description);
    }
    out_end_arr(o);
    return bad;
}

int cmd_config(int argc, char **argv)
{
    bool json = false;
    int prc = parse_json_only(argc, argv, usage_config, &json);
    if (prc >= 0)
        return prc;
    struct out o;
    out_init(&o, json);
    out_obj(&o, NULL);
    int bad = out_config(&o);
    out_end_obj(&o);
    int rc = out_finish(&o);
    if (bad)
        cli_err("a RASHM_* value is not accepted (see above)");
    return bad ? EXIT_RUNTIME : rc;
}
