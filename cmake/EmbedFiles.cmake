# Embeds static files into the binary, so one wshub binary serves its admin page with
# nothing to install beside it and no build step at run time.
#
#   wshub_embed_files(TARGET wshub_server FUNCTION admin_assets BASE_DIR web/admin FILES index.html ...)
#
# generates ${CMAKE_BINARY_DIR}/generated/<FUNCTION>.cpp defining
#   std::span<const wshub::server::EmbeddedFile> wshub::server::<FUNCTION>();
# (declared in src/server/EmbeddedFile.h) and adds it to TARGET. The file is regenerated
# when one of the files changes.
set(_wshub_embed_script ${CMAKE_CURRENT_LIST_DIR}/EmbedFilesScript.cmake)

function(wshub_embed_files)
  cmake_parse_arguments(E "" "TARGET;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(_out ${CMAKE_BINARY_DIR}/generated/${E_FUNCTION}.cpp)
  set(_inputs)
  foreach(f ${E_FILES})
    list(APPEND _inputs ${E_BASE_DIR}/${f})
  endforeach()
  string(REPLACE ";" "|" _files_arg "${E_FILES}")
  add_custom_command(
    OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${_out} -DFUNCTION=${E_FUNCTION} -DBASE_DIR=${E_BASE_DIR}
            "-DFILES=${_files_arg}" -P ${_wshub_embed_script}
    DEPENDS ${_inputs} ${_wshub_embed_script}
    COMMENT "Embedding ${E_FUNCTION}: ${E_FILES}"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${_out})
endfunction()
