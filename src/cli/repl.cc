#include "cli/repl.h"

#include <editline/readline.h>
#include <fmt/format.h>

#include <atomic>
#include <sstream>

#include "chat/parameters.h"

namespace hearth::cli {
namespace {

std::atomic<bool> g_interrupted{false};

class TerminalReader : public LineReader {
 public:
  std::optional<std::string> ReadLine(const std::string& prompt) override {
    for (;;) {
      g_interrupted.store(false);
      char* line = readline(prompt.c_str());
      if (line) {
        std::string s(line);
        free(line);
        return s;
      }
      // readline gives NULL both at end of input and when Ctrl-C interrupts its read.
      if (!g_interrupted.exchange(false)) return std::nullopt;
      std::fputs("\nUse Ctrl + d or /bye to exit.\n", stdout);
      std::fflush(stdout);
    }
  }
  void AddHistory(const std::string& entry) override { add_history(entry.c_str()); }
};

class StreamReader : public LineReader {
 public:
  explicit StreamReader(std::FILE* in) : in_(in) {}
  std::optional<std::string> ReadLine(const std::string&) override {
    std::string s;
    int c;
    while ((c = std::fgetc(in_)) != EOF && c != '\n') s.push_back(static_cast<char>(c));
    if (c == EOF && s.empty()) return std::nullopt;
    return s;
  }

 private:
  std::FILE* in_;
};

const char kHelp[] =
    "Available Commands:\n"
    "  /set            Set session variables\n"
    "  /show           Show model information\n"
    "  /clear          Clear session context\n"
    "  /bye            Exit\n"
    "  /?, /help       Help for a command\n"
    "\n"
    "Use \"\"\" to begin a multi-line message.\n";

const char kSetHelp[] =
    "Available Commands:\n"
    "  /set parameter ...     Set a parameter\n"
    "  /set system <string>   Set system message\n"
    "  /set verbose           Show LLM stats\n"
    "  /set quiet             Disable LLM stats\n";

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Reads one user message; handles """ multi-line input. nullopt at end of input.
std::optional<std::string> ReadMessage(LineReader& reader) {
  auto line = reader.ReadLine(">>> ");
  if (!line) return std::nullopt;
  if (!StartsWith(*line, "\"\"\"")) return line;
  std::string text = line->substr(3);
  if (text.size() >= 3 && text.compare(text.size() - 3, 3, "\"\"\"") == 0) {
    return text.substr(0, text.size() - 3);
  }
  for (;;) {
    auto more = reader.ReadLine("... ");
    if (!more) return text;
    const size_t end = more->find("\"\"\"");
    if (!text.empty() || end != 0) text += "\n";
    if (end != std::string::npos) return text + more->substr(0, end);
    text += *more;
  }
}

}  // namespace

void NoteInterrupt() { g_interrupted.store(true); }

std::unique_ptr<LineReader> MakeTerminalReader() { return std::make_unique<TerminalReader>(); }
std::unique_ptr<LineReader> MakeStreamReader(std::FILE* in) {
  return std::make_unique<StreamReader>(in);
}

int RunRepl(Session& session, LineReader& reader, std::FILE* out, std::FILE* err, bool verbose) {
  for (;;) {
    auto message = ReadMessage(reader);
    if (!message) {
      std::fputs("\n", out);
      return 0;
    }
    if (message->empty()) continue;
    reader.AddHistory(*message);
    std::istringstream words(*message);
    std::string cmd;
    words >> cmd;
    if (cmd == "/bye" || cmd == "/exit") return 0;
    if (cmd == "/?" || cmd == "/help") {
      std::string topic;
      words >> topic;
      std::fputs(topic == "/set" || topic == "set" ? kSetHelp : kHelp, out);
      continue;
    }
    if (cmd == "/clear") {
      session.ClearHistory();
      std::fputs("Cleared session context\n", out);
      continue;
    }
    if (cmd == "/show") {
      std::string what;
      words >> what;
      if (what == "info") std::fputs(session.InfoText().c_str(), out);
      else fmt::print(err, "Unknown show command '{}'. Type /? for help\n", what);
      continue;
    }
    if (cmd == "/set") {
      std::string what;
      words >> what;
      if (what == "verbose" || what == "quiet") {
        verbose = what == "verbose";
        fmt::print(out, "Set '{}' mode.\n", what);
      } else if (what == "system") {
        std::string rest;
        std::getline(words, rest);
        rest.erase(0, rest.find_first_not_of(' '));
        session.set_system(rest);
        std::fputs("Set system message.\n", out);
      } else if (what == "parameter") {
        std::string name, value;
        words >> name;
        std::getline(words, value);
        value.erase(0, value.find_first_not_of(' '));
        if (name.empty() || value.empty()) {
          std::fputs("Usage:\n  /set parameter <name> <value>\n", err);
          continue;
        }
        Status s = session.SetParameter(name, value);
        if (!s.ok()) fmt::print(err, "Error: {}\n", s.message());
        else fmt::print(out, "Set parameter '{}' to '{}'\n", name, value);
      } else {
        fmt::print(err, "Unknown command '/set {}'. Type /? for help\n", what);
      }
      continue;
    }
    if (StartsWith(cmd, "/")) {
      fmt::print(err, "Unknown command '{}'. Type /? for help\n", cmd);
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto c = session.Ask(*message, out);
    if (!c.ok()) {
      fmt::print(err, "Error: {}\n", c.status().message());
      continue;
    }
    std::fputs("\n\n", out);
    std::fflush(out);
    if (verbose) session.PrintStats(err, *c, std::chrono::steady_clock::now() - t0);
  }
}

}  // namespace hearth::cli
