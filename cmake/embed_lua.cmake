# Embeds the store's Lua scripts in C (run by the build: see CMakeLists.txt).
#   cmake -DLUA_DIR=<gateway/store/lua> -DOUT_C=<file.c> -DOUT_H=<file.h> -DKEYS_H=<keys.h>
#         -DMEASURES_H=<measures.h> -DLUA_OUT=<dir> -P embed_lua.cmake
#
# Every <name>.lua directly in LUA_DIR becomes `extern const char gw_lua_<name>[]`.
# A line `--! include <lib>` is replaced by LUA_DIR/lib/<lib>.lua, so shared
# snippets (delivery de-duplication, outbox enqueue) have one source. A line
# `--! ticket_keys` is replaced by TICKET_KEYS and ticket_keys(first), written
# from GW_TICKET_KEYS in KEYS_H (store/keys.h), the one list of those keys. A
# line `--! ticket_buckets` is replaced by TICKET_BUCKETS, the histogram
# bounds of GW_TICKET_BUCKETS in MEASURES_H (core/measures.h).
# Scripts are handled as whole strings, never as CMake lists (';' is Lua).
file(READ "${KEYS_H}" keys_h)
string(REGEX MATCHALL "\n +X\\([a-z_]+, GW_KEY_" key_entries "${keys_h}")
set(ticket_keys "")
set(nkeys 0)
foreach(entry ${key_entries})
  string(REGEX REPLACE "^\n +X\\(([a-z_]+), GW_KEY_$" "\\1" role "${entry}")
  string(APPEND ticket_keys "${role} = k(${nkeys}), ")
  math(EXPR nkeys "${nkeys} + 1")
endforeach()
if(nkeys EQUAL 0)
  message(FATAL_ERROR "${KEYS_H}: no GW_TICKET_KEYS entries")
endif()
set(ticket_keys_lua "local TICKET_KEYS = ${nkeys}\n\nlocal function ticket_keys(first)\n  local k = function(i) return KEYS[first + i] end\n  return {${ticket_keys}}\nend\n")
file(READ "${MEASURES_H}" measures_h)
string(REGEX MATCHALL "\n +X\\([0-9]+\\)" bucket_entries "${measures_h}")
set(buckets "")
foreach(entry ${bucket_entries})
  string(REGEX REPLACE "^\n +X\\(([0-9]+)\\)$" "\\1" bound "${entry}")
  string(APPEND buckets "${bound}, ")
endforeach()
if(buckets STREQUAL "")
  message(FATAL_ERROR "${MEASURES_H}: no GW_TICKET_BUCKETS entries")
endif()
string(REGEX REPLACE ", $" "" buckets "${buckets}")
set(ticket_buckets_lua "local TICKET_BUCKETS = {${buckets}}\n")
file(GLOB scripts "${LUA_DIR}/*.lua")
list(SORT scripts)
set(c "/* Generated from the .lua files of gateway/store/lua by cmake/embed_lua.cmake. Do not edit. */\n")
string(APPEND c "#include \"lua_scripts.h\"\n\n")
set(h "/* Generated from the .lua files of gateway/store/lua by cmake/embed_lua.cmake. Do not edit. */\n")
string(APPEND h "#ifndef GW_LUA_SCRIPTS_H\n#define GW_LUA_SCRIPTS_H\n\n")
foreach(script ${scripts})
  get_filename_component(name "${script}" NAME_WE)
  file(READ "${script}" body)
  string(REGEX MATCHALL "--! include [a-z_]+" includes "${body}")
  foreach(directive ${includes})
    string(REPLACE "--! include " "" lib "${directive}")
    if(NOT EXISTS "${LUA_DIR}/lib/${lib}.lua")
      message(FATAL_ERROR "${script}: no such include lib/${lib}.lua")
    endif()
    file(READ "${LUA_DIR}/lib/${lib}.lua" lib_body)
    string(REPLACE "${directive}\n" "${lib_body}" body "${body}")
  endforeach()
  string(REPLACE "--! ticket_keys\n" "${ticket_keys_lua}" body "${body}")
  string(REPLACE "--! ticket_buckets\n" "${ticket_buckets_lua}" body "${body}")
  # as the gateway sends it, for tests and benchmarks that run a script by hand
  file(WRITE "${LUA_OUT}/${name}.lua" "${body}")
  # A C string literal: escape backslashes, quotes and '?' (trigraphs), one line per line.
  string(REPLACE "\\" "\\\\" body "${body}")
  string(REPLACE "\"" "\\\"" body "${body}")
  string(REPLACE "?" "\\?" body "${body}")
  string(REPLACE "\n" "\\n\"\n    \"" body "${body}")
  string(APPEND c "const char gw_lua_${name}[] =\n    \"${body}\";\n\n")
  string(APPEND h "extern const char gw_lua_${name}[];\n")
endforeach()
string(APPEND h "\n#endif\n")
file(WRITE "${OUT_C}" "${c}")
file(WRITE "${OUT_H}" "${h}")




