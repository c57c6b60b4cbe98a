# Man pages: dj-cache(1) and dj-cache.toml(5), written in scdoc (man/*.scd) and
# built into roff in ${CMAKE_BINARY_DIR}/man, installed to share/man/man1 and man5.
# Included from the top-level CMakeLists.txt.

find_program(SCDOC_PROGRAM scdoc DOC "scdoc, the man page generator (Debian package scdoc)")

set(DJ_CACHE_MAN_PAGES dj-cache.1 dj-cache.toml.5)
set(DJ_CACHE_MAN_DIR ${CMAKE_BINARY_DIR}/man)

if(NOT SCDOC_PROGRAM)
  message(WARNING "scdoc not found: the man pages will not be built or installed "
                  "(apt-get install scdoc)")
  return()
endif()

# The page's date: the last change of its source in git when there is one, so that
# a rebuild of the same sources makes the same pages (SOURCE_DATE_EPOCH, as scdoc reads it).
find_package(Git QUIET)

set(_dj_cache_man_outputs)
foreach(page IN LISTS DJ_CACHE_MAN_PAGES)
  set(source ${CMAKE_CURRENT_LIST_DIR}/${page}.scd)
  set(output ${DJ_CACHE_MAN_DIR}/${page})
  set(date_epoch "")
  if(GIT_FOUND)
    execute_process(
      COMMAND ${GIT_EXECUTABLE} log -1 --format=%ct -- ${source}
      WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}
      OUTPUT_VARIABLE date_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  if(date_epoch MATCHES "^[0-9]+$")
    set(environment ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=${date_epoch})
  else()
    set(environment)
  endif()
  # scdoc reads stdin and writes stdout; sh does the redirections (no shell word
  # in the paths can break them: they are quoted by VERBATIM).
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${DJ_CACHE_MAN_DIR}
    COMMAND ${environment} sh -c "\"$0\" < \"$1\" > \"$2.tmp\" && mv \"$2.tmp\" \"$2\""
            ${SCDOC_PROGRAM} ${source} ${output}
    DEPENDS ${source}
    COMMENT "Building man page ${page}"
    VERBATIM)
  list(APPEND _dj_cache_man_outputs ${output})
endforeach()

add_custom_target(man ALL DEPENDS ${_dj_cache_man_outputs})

install(FILES ${DJ_CACHE_MAN_DIR}/dj-cache.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${DJ_CACHE_MAN_DIR}/dj-cache.toml.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
