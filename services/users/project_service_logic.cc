#include "services/users/project_service_logic.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "services/users/api_error.h"
#include "services/users/authenticator.h"
#include "services/users/authorizer.h"
#include "services/users/resource_names.h"
#include "services/users/user_validator.h"

namespace users {
namespace {

constexpr int kPasswordPolicyCeiling = 1024;

v1::Project ToProto(const ProjectRecord& record) {
  v1::Project project;
  project.set_name(absl::StrCat("projects/", record.id));
  project.set_webhook_uri(record.webhook_uri);
  project.mutable_password_policy()->set_min_length(record.password_min_length);
  project.mutable_password_policy()->set_max_length(record.password_max_length);
  return project;
}

// Copies the fields of `input` named by `paths` (or set, when empty) onto
// `record`, validating them.
absl::Status ApplyProjectFields(const v1::Project& input,
                                const std::vector<std::string>& paths,
                                const WebhookDestinations& destinations,
                                ProjectRecord& record, bool* webhook,
                                bool* policy) {
  std::set<std::string> fields(paths.begin(), paths.end());
  if (fields.empty()) {
    if (!input.webhook_uri().empty()) fields.insert("webhook_uri");
    if (!input.webhook_secret().empty()) fields.insert("webhook_secret");
    if (input.has_password_policy()) fields.insert("password_policy");
  }
  if (fields.count("*")) {
    fields = {"webhook_uri", "webhook_secret", "password_policy"};
  }
  FieldViolations violations;
  for (const std::string& field : fields) {
    if (field == "webhook_uri") {
      if (!input.webhook_uri().empty()) {
        if (std::optional<WebhookUriProblem> problem =
                destinations.CheckUri(input.webhook_uri())) {
          violations.Add("project.webhook_uri", problem->reason,
                         std::move(problem->description));
        }
      }
      record.webhook_uri = input.webhook_uri();
      *webhook = true;
    } else if (field == "webhook_secret") {
      record.webhook_secret = input.webhook_secret();
      *webhook = true;
    } else if (field == "password_policy" ||
               field == "password_policy.min_length" ||
               field == "password_policy.max_length") {
      const auto& in = input.password_policy();
      if (field != "password_policy.max_length") {
        record.password_min_length = in.min_length() == 0 ? 8 : in.min_length();
      }
      if (field != "password_policy.min_length") {
        record.password_max_length =
            in.max_length() == 0 ? 128 : in.max_length();
      }
      *policy = true;
    } else if (field != "name") {
      violations.Add("update_mask", "UNKNOWN_FIELD",
                     absl::StrCat("\"", field, "\" is not a field of Project"));
    }
  }
  if (*policy && (record.password_min_length < 1 ||
                  record.password_max_length > kPasswordPolicyCeiling ||
                  record.password_min_length > record.password_max_length)) {
    violations.Add("project.password_policy", "OUT_OF_RANGE",
                   absl::StrCat("needs 1 <= min_length <= max_length <= ",
                                kPasswordPolicyCeiling));
  }
  return violations.ToStatus();
}

}  // namespace

const WebhookDestinations& ProjectServiceLogic::Destinations() const {
  static const WebhookDestinations* const kStrict = new WebhookDestinations();
  return deps_.webhook_destinations != nullptr ? *deps_.webhook_destinations
                                               : *kStrict;
}

void ProjectServiceLogic::CreateProject(const CallContext& call,
                                        const v1::CreateProjectRequest& request,
                                        const Callback<v1::Project>& done) {
  RunAuthenticated(
      deps_, call,
      [this, request, done](Stores& stores, const Principal& principal) {
        if (absl::Status s = AuthorizeProjectCreation(principal); !s.ok()) {
          return done(s);
        }
        if (!IsValidProjectId(request.project_id())) {
          FieldViolations violations;
          violations.Add("project_id", "INVALID_FORMAT",
                         "needs 3-63 characters of [a-z0-9-], starting with a "
                         "letter");
          return done(violations.ToStatus());
        }
        ProjectRecord record;
        record.id = request.project_id();
        bool webhook = false, policy = false;
        if (absl::Status s =
                ApplyProjectFields(request.project(), {}, Destinations(),
                                   record, &webhook, &policy);
            !s.ok()) {
          return done(s);
        }
        if (absl::Status s = stores.projects.CreateProject(record); !s.ok()) {
          return done(s);
        }
        done(ToProto(record));
      },
      done);
}

void ProjectServiceLogic::GetProject(const CallContext& call,
                                     const v1::GetProjectRequest& request,
                                     const Callback<v1::Project>& done) {
  RunAuthenticated(
      deps_, call,
      [request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<std::string> id =
            ParseProjectName(request.name(), principal, "name");
        if (!id.ok()) return done(id.status());
        if (absl::Status s = AuthorizeProjectManagement(principal, *id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<ProjectRecord> record = stores.projects.GetProject(*id);
        if (!record.ok()) return done(record.status());
        done(ToProto(*record));
      },
      done);
}

void ProjectServiceLogic::UpdateProject(const CallContext& call,
                                        const v1::UpdateProjectRequest& request,
                                        const Callback<v1::Project>& done) {
  RunAuthenticated(
      deps_, call,
      [this, request, done](Stores& stores, const Principal& principal) {
        absl::StatusOr<std::string> id = ParseProjectName(
            request.project().name(), principal, "project.name");
        if (!id.ok()) return done(id.status());
        if (absl::Status s = AuthorizeProjectManagement(principal, *id);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<ProjectRecord> record = stores.projects.GetProject(*id);
        if (!record.ok()) return done(record.status());
        std::vector<std::string> paths(request.update_mask().paths().begin(),
                                       request.update_mask().paths().end());
        bool webhook = false, policy = false;
        if (absl::Status s =
                ApplyProjectFields(request.project(), paths, Destinations(),
                                   *record, &webhook, &policy);
            !s.ok()) {
          return done(s);
        }
        absl::StatusOr<ProjectRecord> updated =
            stores.projects.UpdateProject(*record, webhook, policy);
        if (!updated.ok()) return done(updated.status());
        if (deps_.principal_cache != nullptr) {
          deps_.principal_cache->EvictProject(*id);
        }
        done(ToProto(*updated));
      },
      done);
}

}  // namespace users
