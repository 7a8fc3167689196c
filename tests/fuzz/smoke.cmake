# Included by tests/CMakeLists.txt in the normal (gcc) test build: one ctest test that runs every fuzz
# target briefly over its seeds. The targets themselves need clang and are built apart, in
# HOSHO_FUZZ_BUILD_DIR, by `./hosho test` (or `./hosho fuzz`); without them the test fails and says so.
set(HOSHO_FUZZ_BUILD_DIR "${PROJECT_SOURCE_DIR}/build-fuzz"
    CACHE PATH "The clang build of the fuzz targets (tests/fuzz) that fuzz_smoke runs")
add_test(NAME fuzz_smoke COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/smoke.sh ${HOSHO_FUZZ_BUILD_DIR}/fuzz 3)
set_tests_properties(fuzz_smoke PROPERTIES LABELS "fuzz;unit" TIMEOUT 180)
