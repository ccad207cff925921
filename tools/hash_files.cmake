# cmake -DOUT=file.h -DNAME=MACRO -DFILES="a|b|c" -P hash_files.cmake
# Writes a header defining MACRO as the SHA-256 of the files' contents (in the order given), so a
# cache keyed by it is invalidated by any change to the code that made what it holds.
set(_all "")
string(REPLACE "|" ";" _files "${FILES}")
foreach(f ${_files})
  file(SHA256 ${f} _h)
  string(APPEND _all ${_h})
endforeach()
string(SHA256 _sum "${_all}")
set(_text "#pragma once\n#define ${NAME} \"${_sum}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} _old)
endif()
if(NOT "${_old}" STREQUAL "${_text}")
  file(WRITE ${OUT} "${_text}")
endif()
