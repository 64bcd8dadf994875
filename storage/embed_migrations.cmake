# Writes OUTPUT, a C++ source holding the SQL files of FILES ("|"-separated,
# already in order) as users::internal::kEmbeddedMigrations. Run at build
# time (cmake -P), so editing a migration rebuilds the library.
string(REPLACE "|" ";" files "${FILES}")
set(entries "")
set(count 0)
foreach(file IN LISTS files)
  get_filename_component(version "${file}" NAME_WLE)
  file(READ "${file}" sql)
  string(FIND "${sql}" ")users_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter )users_sql\"")
  endif()
  string(APPEND entries "    {\"${version}\", R\"users_sql(${sql})users_sql\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no migrations in storage/migrations")
endif()
set(content "// Generated from storage/migrations by embed_migrations.cmake.
#include <cstddef>

#include \"storage/migrations.h\"

namespace users {
namespace internal {

extern const Migration kEmbeddedMigrations[] = {
${entries}};
extern const size_t kEmbeddedMigrationCount = ${count};

}  // namespace internal
}  // namespace users
")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
