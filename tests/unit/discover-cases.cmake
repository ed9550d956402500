# Read by ctest each time it starts (TEST_INCLUDE_FILES, see tests/CMakeLists.txt), as CMake's
# gtest_discover_tests does: a unit test binary lists its own cases (tests/unit/unit-main.h) and
# each becomes the ctest test unit/NAME/CASE, whatever cmocka macro declared it.
function(unit_discover_cases name binary)
  set(rc 1)
  set(out "")
  if(EXISTS "${binary}")
    execute_process(COMMAND "${binary}" --list OUTPUT_VARIABLE out RESULT_VARIABLE rc
                    ERROR_VARIABLE err)
  endif()
  string(REGEX MATCHALL "[^\n]+" cases "${out}")
  if(NOT rc EQUAL 0 OR NOT cases)
    # Missing, crashing or empty: its cases must not vanish from the run in silence. This test
    # runs the listing again, and fails as it did.
    message(WARNING "unit/${name}: no cases from ${binary} --list (${rc}) ${err}")
    add_test(unit/${name}/list-cases "${binary}" --list)
    set_tests_properties(unit/${name}/list-cases PROPERTIES LABELS unit)
    return()
  endif()
  foreach(case IN LISTS cases)
    add_test(unit/${name}/${case} "${binary}" ${case})
    set_tests_properties(unit/${name}/${case} PROPERTIES LABELS unit)
  endforeach()
endfunction()
