# Shell completions for bash, zsh and fish, installed where each shell looks for
# completions of installed packages. Included from the top-level CMakeLists.txt.

install(FILES ${CMAKE_CURRENT_LIST_DIR}/dj-cache.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME dj-cache)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/_dj-cache
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/dj-cache.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
