# The AIX face's sources, one list for librashm (src/aix) and the fuzz
# targets (tests/fuzz), which link the same objects.
set(RASHM_AIX_SOURCES
  ${CMAKE_SOURCE_DIR}/src/aix/attach.c
  ${CMAKE_SOURCE_DIR}/src/aix/attachinfo.c
  ${CMAKE_SOURCE_DIR}/src/aix/fildes.c
  ${CMAKE_SOURCE_DIR}/src/aix/fork.c
  ${CMAKE_SOURCE_DIR}/src/aix/hwloc_env.c
  ${CMAKE_SOURCE_DIR}/src/aix/named.c
  ${CMAKE_SOURCE_DIR}/src/aix/procinfo.c
  ${CMAKE_SOURCE_DIR}/src/aix/ra.c
  ${CMAKE_SOURCE_DIR}/src/aix/rset.c
)
