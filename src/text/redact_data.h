/* redact_data: the lexicons of data/redact/, compiled into the binary (one
 * lower-case entry a line; scripts/build-redact-lexicons makes them). */
#ifndef PHS_REDACT_DATA_H
#define PHS_REDACT_DATA_H

/* Each list runs from the symbol up to (not including) its _end symbol. */
extern const char redact_data_first_names[], redact_data_first_names_end[];
extern const char redact_data_surnames[], redact_data_surnames_end[];
extern const char redact_data_names_ambiguous[], redact_data_names_ambiguous_end[];
extern const char redact_data_cities[], redact_data_cities_end[];
extern const char redact_data_cities_ambiguous[], redact_data_cities_ambiguous_end[];

#endif
