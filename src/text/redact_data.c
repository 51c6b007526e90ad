/* redact_data: embeds the lists of data/redact/ with the assembler's .incbin (the
 * build runs from the repository root, where the paths below resolve). */
#include "text/redact_data.h"

#define REDACT_INCBIN(sym, file)                                                  \
    __asm__(".section .rodata\n"                                                  \
            ".global " #sym "\n"                                                  \
            ".global " #sym "_end\n"                                              \
            ".balign 16\n" #sym ":\n"                                             \
            ".incbin \"" file "\"\n" #sym "_end:\n"                               \
            ".byte 0\n"                                                           \
            ".previous\n")

REDACT_INCBIN(redact_data_first_names, "data/redact/first_names.txt");
REDACT_INCBIN(redact_data_surnames, "data/redact/surnames.txt");
REDACT_INCBIN(redact_data_names_ambiguous, "data/redact/names_ambiguous.txt");
REDACT_INCBIN(redact_data_cities, "data/redact/cities.txt");
REDACT_INCBIN(redact_data_cities_ambiguous, "data/redact/cities_ambiguous.txt");
