// `hearth dev synth MODEL -o OUT.gguf [--type f16|q8_0|q4_K_M] [--vocab PATH] [--seed N]` and
// `hearth dev synth --list`: random-weight GGUFs with the exact shapes of real models.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "cli/commands.h"
#include "engine/synth.h"

namespace hearth::cli {
namespace {

namespace fs = std::filesystem;

struct SynthFlags {
  std::string model;
  std::string out;
  std::string type = "q4_K_M";
  std::string vocab;
  uint64_t seed = 1;
  bool list = false;
};

// Directories searched for a default vocabulary, in order.
std::vector<std::string> VocabDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("HEARTH_VOCAB_DIR"); env != nullptr && *env != '\0')
    dirs.push_back(env);
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec) dirs.push_back((cwd / ".." / "shared" / "models" / "vocab").lexically_normal().string());
#ifdef HEARTH_VOCAB_DIR_DEFAULT
  dirs.push_back(HEARTH_VOCAB_DIR_DEFAULT);
#endif
  return dirs;
}

std::string Commas(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

void PrintList() {
  fmt::print("{:<20} {:<22} {:<10} {:>14} {:>6} {:>6} {:>6} {:>8}\n", "NAME", "SHAPE OF", "ARCH",
             "PARAMETERS", "LAYERS", "EMBD", "HEADS", "VOCAB");
  for (const std::string& name : engine::SynthModelNames()) {
    const engine::SynthShape* s = engine::FindSynthShape(name);
    fmt::print("{:<20} {:<22} {:<10} {:>14} {:>6} {:>6} {:>6} {:>8}\n", s->name, s->display_name,
               s->arch, Commas(engine::SynthParameterCount(*s)), s->n_layer, s->n_embd,
               fmt::format("{}/{}", s->n_head, s->n_head_kv), s->n_vocab);
  }
}

// Prints progress on stderr: a rewritten line on a terminal, one line per 10% otherwise.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(STDERR_FILENO) != 0) {}
  void Update(const std::string& stage, double fraction) {
    const int pct = static_cast<int>(fraction * 100);
    if (stage != stage_) {
      EndLine();
      stage_ = stage;
      last_pct_ = -1;
    }
    if (stage == "done") return;
    if (tty_) {
      if (pct != last_pct_) fmt::print(stderr, "\r{} {:3d}%", stage, pct);
      line_open_ = true;
    } else if (pct / 10 != last_pct_ / 10 || last_pct_ < 0) {
      fmt::print(stderr, "{} {:3d}%\n", stage, pct);
    }
    std::fflush(stderr);
    last_pct_ = pct;
  }
  // Ends a rewritten progress line, if one is open.
  void EndLine() {
    if (line_open_) fmt::print(stderr, "\n");
    line_open_ = false;
  }

 private:
  bool tty_;
  bool line_open_ = false;
  std::string stage_;
  int last_pct_ = -1;
};

int RunSynth(const SynthFlags& f) {
  if (f.list) {
    PrintList();
    return 0;
  }
  if (f.model.empty()) {
    fmt::print(stderr, "Error: give a MODEL to synthesize (see `hearth dev synth --list`)\n");
    return 2;
  }
  const engine::SynthShape* shape = engine::FindSynthShape(f.model);
  if (shape == nullptr) {
    std::string known;
    for (const std::string& n : engine::SynthModelNames()) known += "\n  " + n;
    fmt::print(stderr, "Error: unknown model '{}'; known models:{}\n", f.model, known);
    return 2;
  }
  if (f.out.empty()) {
    fmt::print(stderr, "Error: give the output file with -o OUT.gguf\n");
    return 2;
  }
  std::string vocab = f.vocab;
  if (vocab.empty()) {
    std::string tried;
    for (const std::string& dir : VocabDirs()) {
      const fs::path p = fs::path(dir) / shape->vocab_file;
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) {
        vocab = p.string();
        break;
      }
      tried += "\n  " + p.string();
    }
    if (vocab.empty()) {
      fmt::print(
          stderr,
          "Error: cannot find the vocabulary {} for {}; looked in:{}\n"
          "Pass --vocab PATH or set HEARTH_VOCAB_DIR (scripts/setup installs the vocabularies).\n",
          shape->vocab_file, shape->name, tried.empty() ? "\n  (no directories)" : tried);
      return 2;
    }
  }

  engine::SynthOptions options;
  options.model = f.model;
  options.type = f.type;
  options.vocab_path = vocab;
  options.out_path = f.out;
  options.seed = f.seed;
  auto printer = std::make_shared<ProgressPrinter>();
  options.progress = [printer](const std::string& stage, double fraction) {
    printer->Update(stage, fraction);
  };
  fmt::print(stderr, "synthesizing {} ({}, vocabulary {}) -> {}\n", shape->display_name, f.type,
             vocab, f.out);
  const auto t0 = std::chrono::steady_clock::now();
  const Status st = engine::Synthesize(options);
  printer->EndLine();
  if (!st.ok()) {
    fmt::print(stderr, "Error: {}\n", st.message());
    const StatusCode c = st.code();
    return c == StatusCode::kInvalidArgument || c == StatusCode::kNotFound ||
                   c == StatusCode::kDataLoss
               ? 2
               : 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  const uint64_t size = fs::file_size(f.out, ec);
  fmt::print(stderr, "wrote {} ({}) in {:.1f} s\n", f.out, HumanBytes2(size), secs);
  return 0;
}

}  // namespace

Handler SetupDevSynth(CLI::App& sub) {
  auto f = std::make_shared<SynthFlags>();
  sub.add_option("model", f->model,
                 "Model shape to synthesize, e.g. qwen2.5-coder:1.5b (see --list)");
  sub.add_option("-o,--output", f->out, "Output .gguf file");
  sub.add_option("--type", f->type, "Weight type: f16, q8_0 or q4_K_M")
      ->check(CLI::IsMember({"f16", "q8_0", "q4_K_M"}, CLI::ignore_case))
      ->capture_default_str();
  sub.add_option(
      "--vocab", f->vocab,
      "Vocabulary GGUF whose tokenizer is copied (default: the shape's ggml-vocab-*.gguf "
      "from $HEARTH_VOCAB_DIR, ../shared/models/vocab or the installed vocabularies)");
  sub.add_option("--seed", f->seed, "Random seed for the weights")->capture_default_str();
  sub.add_flag("--list", f->list, "List the known model shapes and exit");
  return [f] { return RunSynth(*f); };
}

}  // namespace hearth::cli
