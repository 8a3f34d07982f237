/* Unit tests: every kind of event has a fixed, unique MESSAGE_ID explained in the catalog. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "log.h"

START_TEST(message_ids_unique_and_well_formed)
{
        for (int i = 0; i < _LOG_EV_MAX; i++) {
                const char *id = log_event_message_id((enum log_event_kind)i);

                ck_assert_ptr_nonnull(id);
                ck_assert_uint_eq(strlen(id), 32);
                for (size_t k = 0; k < 32; k++)
                        ck_assert(isxdigit((unsigned char)id[k]) && !isupper((unsigned char)id[k]));
                for (int j = 0; j < i; j++)
                        ck_assert_str_ne(id, log_event_message_id((enum log_event_kind)j));
                ck_assert_ptr_nonnull(log_event_name((enum log_event_kind)i));
        }
}
END_TEST

/* journalctl -x finds an entry, with a Subject, for each MESSAGE_ID reclaimd sends. */
START_TEST(catalog_explains_every_event)
{
        const char *srcdir = getenv("abs_top_srcdir");
        char path[4096], line[512], want[64];

        snprintf(path, sizeof(path), "%s/catalog/reclaimd.catalog", srcdir ? srcdir : ".");
        for (int i = 0; i < _LOG_EV_MAX; i++) {
                bool found = false, subject = false;
                FILE *f = fopen(path, "r");

                ck_assert_ptr_nonnull(f);
                snprintf(want, sizeof(want), "-- %s\n", log_event_message_id((enum log_event_kind)i));
                while (fgets(line, sizeof(line), f)) {
                        if (found && strncmp(line, "Subject: ", 9) == 0)
                                subject = true;
                        if (strncmp(line, "-- ", 3) == 0)
                                found = strcmp(line, want) == 0;
                        if (subject)
                                break;
                }
                fclose(f);
                ck_assert_msg(subject, "no catalog entry with a Subject for %s (%s)",
                              log_event_name((enum log_event_kind)i), want);
        }
}
END_TEST

CHECK_MAIN("log", message_ids_unique_and_well_formed, catalog_explains_every_event)
