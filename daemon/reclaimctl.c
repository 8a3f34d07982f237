/* reclaimctl: asks the running reclaimd, over the system bus, what it sees and why. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "ctl.h"
#include "utf8.h"
#include "util.h"

/* Exit codes, documented in reclaimctl(8). */
enum {
        EXIT_USAGE = 2,
        EXIT_UNREACHABLE = 69,   /* sysexits' EX_UNAVAILABLE: no bus, or no reclaimd on it */
        EXIT_DENIED = 77,        /* EX_NOPERM: not root */
};

static void help(void)
{
        printf("Usage: reclaimctl [OPTIONS] COMMAND\n\n"
               "Asks the running reclaimd what it sees, over the system bus (root only).\n\n"
               "Commands:\n"
               "  status            the system, the triggers, and every managed cgroup\n"
               "  explain CGROUP    why the last round that could reach CGROUP did what it did\n"
               "  reload            re-read the configuration (as systemctl reload reclaimd)\n\n"
               "Options:\n"
               "  -j, --json        status as JSON\n"
               "  -h, --help        show this help\n"
               "  -V, --version     show the version\n");
}

/* Says why the call failed, in words an operator can act on. Returns the exit code. */
static int failed(const sd_bus_error *e, int r)
{
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                fprintf(stderr, "reclaimctl: cannot reach reclaimd: nothing owns " CTL_BUS_NAME " on the system "
                        "bus (reclaimd is not running, or started without a bus and runs without its control "
                        "interface)\n");
                return EXIT_UNREACHABLE;
        }
        if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                fprintf(stderr, "reclaimctl: permission denied: %s\n", e->message ?: "only root may ask reclaimd");
                return EXIT_DENIED;
        }
        if (e->message)
                fprintf(stderr, "reclaimctl: %s\n", e->message);
        else
                fprintf(stderr, "reclaimctl: the call failed: %s\n", strerror(-r));
        return EXIT_FAILURE;
}

/* A D-Bus string is UTF-8, and a cgroup's name need not be: such a name goes as bytes ("ay"). */
static int call_bytes(sd_bus *bus, const char *method, const char *arg, sd_bus_error *error, sd_bus_message **reply)
{
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CTL_BUS_NAME, CTL_OBJECT, CTL_INTERFACE, method);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', arg, strlen(arg));
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, error, reply);
        sd_bus_message_unref(m);
        return r;
}

static int call(const char *method, bool json, const char *arg)
{
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *text;
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "reclaimctl: cannot reach reclaimd: no system bus (%s)\n", strerror(-r));
                return EXIT_UNREACHABLE;
        }
        if (strcmp(method, "Status") == 0)
                r = sd_bus_call_method(bus, CTL_BUS_NAME, CTL_OBJECT, CTL_INTERFACE, method, &error, &reply, "b", json);
        else if (strcmp(method, "ExplainBytes") == 0)
                r = call_bytes(bus, method, arg, &error, &reply);
        else if (arg)
                r = sd_bus_call_method(bus, CTL_BUS_NAME, CTL_OBJECT, CTL_INTERFACE, method, &error, &reply, "s", arg);
        else
                r = sd_bus_call_method(bus, CTL_BUS_NAME, CTL_OBJECT, CTL_INTERFACE, method, &error, &reply, "");
        if (r < 0)
                r = failed(&error, r);
        else if (sd_bus_message_read(reply, "s", &text) < 0)
                r = failed(&error, -EBADMSG);
        else {
                fputs(text, stdout);
                if (*text && text[strlen(text) - 1] != '\n')
                        fputc('\n', stdout);
                r = EXIT_SUCCESS;
        }
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
        return r;
}

static int run(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "json",    no_argument, NULL, 'j' },
                { "help",    no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        bool json = false;
        const char *cmd;
        int c;

        while ((c = getopt_long(argc, argv, "jhV", longopts, NULL)) >= 0)
                switch (c) {
                case 'j': json = true; break;
                case 'h': help(); return EXIT_SUCCESS;
                case 'V': printf("reclaimctl %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
                default: return EXIT_USAGE;
                }
        if (optind >= argc) {
                fprintf(stderr, "reclaimctl: a command is needed: status, explain CGROUP or reload; see --help\n");
                return EXIT_USAGE;
        }
        cmd = argv[optind++];
        if (strcmp(cmd, "status") == 0 && optind == argc)
                return call("Status", json, NULL);
        if (strcmp(cmd, "explain") == 0 && optind + 1 == argc && !json)
                return call(utf8_valid(argv[optind]) ? "Explain" : "ExplainBytes", false, argv[optind]);
        if (strcmp(cmd, "reload") == 0 && optind == argc && !json)
                return call("Reload", false, NULL);
        fprintf(stderr, "reclaimctl: unknown command or wrong arguments: '%s'; expected status [--json], "
                "explain CGROUP or reload\n", cmd);
        return EXIT_USAGE;
}

int main(int argc, char **argv)
{
        int r = run(argc, argv), w = stdout_flushed();

        if (w < 0 && r == EXIT_SUCCESS) {
                fprintf(stderr, "reclaimctl: cannot write the answer: %s\n", strerror(-w));
                return EXIT_FAILURE;
        }
        return r;
}
