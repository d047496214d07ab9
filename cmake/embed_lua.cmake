# Embeds the store's Lua scripts in C (run by the build: see CMakeLists.txt).
#   cmake -DLUA_DIR=<gateway/store/lua> -DOUT_C=<file.c> -DOUT_H=<file.h> -P embed_lua.cmake
#
# Every <name>.lua directly in LUA_DIR becomes `extern const char gw_lua_<name>[]`.
# A line `--! include <lib>` is replaced by LUA_DIR/lib/<lib>.lua, so shared
# snippets (delivery de-duplication, outbox enqueue) have one source.
# Scripts are handled as whole strings, never as CMake lists (';' is Lua).
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




