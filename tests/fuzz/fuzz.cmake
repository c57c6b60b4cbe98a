# libFuzzer targets (DJ_CACHE_FUZZ=ON, clang): fuzz_<name> for each target of
# fuzz_targets.hpp, and a CTest "fuzz: <name> corpus" that runs it over
# corpus/<name>/ only (-runs=0: execute every file, generate nothing).
foreach(name config args_key entry_codec events import_line shell_words)
  add_executable(fuzz_${name} ${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cpp)
  target_compile_definitions(fuzz_${name} PRIVATE DJC_FUZZ_TARGET="${name}")
  target_link_libraries(fuzz_${name} PRIVATE djc_store djc_core)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  add_test(NAME "fuzz: ${name} corpus"
           COMMAND fuzz_${name} -runs=0 ${CMAKE_CURRENT_LIST_DIR}/corpus/${name})
endforeach()
