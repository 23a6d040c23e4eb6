// `hearth store verify [--repair]`: re-hashes every blob, checks every manifest, and with
// --repair removes what is broken.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/model_ref.h"

namespace hearth::cli {
namespace {

int Verify(bool repair) {
  auto s = OpenDefaultStore();
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.status().message());
    return 1;
  }
  const store::VerifyReport r = (*s)->Verify(repair);
  for (const std::string& line : r.details) fmt::print("{}\n", line);
  for (const std::string& removed : r.removed) fmt::print("removed {}\n", removed);
  fmt::print("checked {} blobs and {} manifests in {}: ", r.blobs_checked, r.manifests_checked,
             (*s)->root());
  const size_t broken = r.broken_blobs.size() + r.broken_manifests.size();
  if (r.ok()) {
    fmt::print("ok\n");
    return 0;
  }
  if (repair && r.removed.size() == broken) {
    fmt::print("repaired ({} removed)\n", r.removed.size());
    return 0;
  }
  fmt::print("{} broken blob(s), {} broken manifest(s)\n", r.broken_blobs.size(),
             r.broken_manifests.size());
  fmt::print(stderr, "Error: the store has problems{}\n",
             repair ? " that could not all be removed" : "; run `hearth store verify --repair`");
  return 1;
}

}  // namespace

Handler SetupStoreVerify(CLI::App& sub) {
  auto repair = std::make_shared<bool>(false);
  sub.add_flag("--repair", *repair, "Remove broken blobs and the manifests that need them");
  return [repair] { return Verify(*repair); };
}

}  // namespace hearth::cli
