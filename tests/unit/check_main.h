/* The runner every unit test program shares: runs suite() and exits 0 only if all passed. */
#ifndef GW_CHECK_MAIN_H
#define GW_CHECK_MAIN_H

#include <check.h>

#define GW_CHECK_MAIN(make_suite)                                   \
    int main(void)                                                  \
    {                                                               \
        SRunner *sr = srunner_create(make_suite());                 \
        srunner_run_all(sr, CK_ENV);                                \
        int failed = srunner_ntests_failed(sr);                     \
        srunner_free(sr);                                           \
        return failed == 0 ? 0 : 1;                                 \
    }

#endif
