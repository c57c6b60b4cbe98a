// `dj-cache check [--repair]`: verify (and mend) the store.
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

int run_check(Context& context, bool repair) {
  Store* store = context.store(repair ? OpenMode::write : OpenMode::read);
  if (!store) {
    summary("store {}: does not exist (nothing to check)", store_name(context.store_location()));
    return 0;
  }
  CheckReport report = store->check(repair);
  for (const auto& problem : report.problems) write_stdout(problem + "\n");
  if (repair) summary("repaired {} index row(s)", report.repaired);
  summary("checked {} entries: {} problem(s)", report.entries, report.problems.size());
  if (report.problems.empty() || repair) return 0;
  throw Error(exit_code::io, "the store has problems", "run dj-cache check --repair");
}

}  // namespace

void add_check_command(CLI::App& app, Context& context) {
  auto repair = std::make_shared<bool>(false);
  CLI::App* check = app.add_subcommand("check", "Verify the store: records, checksums, indexes");
  check->add_flag("--repair", *repair, "Rebuild the indexes from the entries");
  check->footer("Exits 0 when the store is sound, 74 when it has problems.\nExample: dj-cache check");
  check->callback([repair, &context] { context.exit_code = run_check(context, *repair); });
}

}  // namespace djc
