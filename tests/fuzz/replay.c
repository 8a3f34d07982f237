/*
 * Runs a fuzz target once on each file named on the command line, without
 * libFuzzer: this is how `make check` replays the seed corpus on any
 * compiler. (Built with --enable-fuzzing, libFuzzer's own main does this.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "rb");
                uint8_t *buf;
                long len;

                if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                buf = malloc((size_t)len + 1);
                if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
                        perror(argv[i]);
                        return 1;
                }
                fclose(f);
                LLVMFuzzerTestOneInput(buf, (size_t)len);
                free(buf);
        }
        printf("%d input(s) replayed\n", argc - 1);
        return 0;
}
