// Each contract adapter's body-to-request translation on whatever the strict
// JSON parser accepts: Medama's and neptun's BuildUpdate, the project
// contract's BuildUpdate (the "update" object) and v1's ReadUserBody. Every
// request an adapter builds then goes where userd takes it: the update mask
// is resolved (AIP-161) and the user validated, as UpdateUser does.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/json_body_parser.h"
#include "gateway/medama_adapter.h"
#include "gateway/neptun_adapter.h"
#include "gateway/project_adapter.h"
#include "gateway/v1_adapter.h"
#include "services/users/api_error.h"
#include "services/users/user_mask.h"
#include "services/users/user_validator.h"

namespace {

using users::gateway::MedamaAdapter;
using users::gateway::NeptunAdapter;
using users::gateway::ProjectAdapter;
using users::gateway::V1Adapter;

// What userd does with an UpdateUserRequest before touching storage.
void AsUserdWould(const users::v1::UpdateUserRequest& request) {
  absl::StatusOr<users::ResolvedMask> mask =
      users::ResolveUpdateMask(request.user(), &request.update_mask());
  if (!mask.ok()) return;
  users::FieldViolations violations;
  users::ValidateUserFields(request.user(), mask->columns,
                            users::PasswordPolicy{}, "user.", violations);
  (void)violations.ToStatus();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nlohmann::json> body =
      users::gateway::JsonBodyParser::Parse(text);
  if (!body.ok()) return 0;

  absl::StatusOr<users::v1::UpdateUserRequest> medama =
      MedamaAdapter::BuildUpdate(*body, "projects/default/users/me");
  if (medama.ok()) AsUserdWould(*medama);

  users::v1::UpdateUserRequest neptun;
  if (!NeptunAdapter::BuildUpdate(*body, "projects/default/users/3", neptun)) {
    AsUserdWould(neptun);
  }

  users::v1::UpdateUserRequest project;
  if (!ProjectAdapter::BuildUpdate(*body, "projects/default/users/1",
                                   project)) {
    AsUserdWould(project);
  }

  for (bool allow_password : {false, true}) {
    users::v1::UpdateUserRequest v1;
    std::vector<std::string> paths;
    if (V1Adapter::ReadUserBody(*body, allow_password, *v1.mutable_user(),
                                paths)) {
      continue;
    }
    v1.mutable_user()->set_name("projects/-/users/42");
    for (const std::string& path : paths) {
      v1.mutable_update_mask()->add_paths(path);
    }
    AsUserdWould(v1);
  }
  return 0;
}
