#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
static void test_todo(void **s) { fail(); }
int main(void) { const struct CMUnitTest t[] = { cmocka_unit_test(test_todo) }; return cmocka_run_group_tests(t, NULL, NULL); }
