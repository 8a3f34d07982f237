/* UTF-8 validation: where a well-formed character ends, and whether a whole string is well formed. */
#include "autoconfig.h"

#include <stdint.h>

#include "utf8.h"

size_t utf8_char_len(const char *str)
{
        const unsigned char *s = (const unsigned char *)str;
        uint32_t cp;
        size_t n;

        if (s[0] == 0)
                return 0;
        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        /* A NUL ends the string first: it is no continuation byte. */
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

bool utf8_valid(const char *s)
{
        while (*s) {
                size_t n = utf8_char_len(s);

                if (n == 0)
                        return false;
                s += n;
        }
        return true;
}
