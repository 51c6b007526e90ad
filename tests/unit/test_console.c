/* test_console: the console's embedded files (build/gen/console_files.c
 * from console/) and the lookup that serves them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/console.h"

static void test_embedded(void **state)
{
    /* what index.html loads is there, with the type a browser needs */
    static const char *const needed[] = {"index.html", "main.js", "console.css", "icon.svg"};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
        assert_non_null(console_file_find(needed[i]));
    assert_true(console_files_count >= 4);
    for (size_t i = 0; i < console_files_count; i++) {
        const struct console_file *f = &console_files[i];
        assert_true(f->len > 0);
        assert_ptr_equal(console_file_find(f->name), f);
        /* every file has a real type: none is served as octet-stream */
        assert_string_not_equal(console_content_type(f->name), "application/octet-stream");
        if (i)
            assert_true(strcmp(console_files[i - 1].name, f->name) < 0);
    }
    const struct console_file *idx = console_file_find("index.html");
    assert_memory_equal(idx->data, "<!doctype html>", 15);
}

static void test_lookup_refuses(void **state)
{
    static const char *const bad[] = {"",           "../index.html", "./index.html", "index.html/",
                                      "INDEX.HTML", "index.htm",     "/index.html",  "main.js%00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(console_file_find(bad[i]));
    assert_null(console_file_find(NULL));
    assert_string_equal(console_content_type("a.js"), "text/javascript; charset=utf-8");
    assert_string_equal(console_content_type("a.html"), "text/html; charset=utf-8");
    assert_string_equal(console_content_type("a.css"), "text/css; charset=utf-8");
    assert_string_equal(console_content_type("a.svg"), "image/svg+xml");
    assert_string_equal(console_content_type("js"), "application/octet-stream");
    assert_string_equal(console_content_type("a.js.map"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_lookup_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
