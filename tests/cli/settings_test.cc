#include "cli/settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace hearth::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A scratch HOME for each test; removed at the end.
class ServeSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = fs::temp_directory_path() /
            ("hearth_settings_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_);
  }
  void TearDown() override { fs::remove_all(home_); }

  gateway::EnvLookup Env(std::map<std::string, std::string> vars) const {
    vars.emplace("HOME", home_.string());
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }

  ServeSettings MustLoad(std::map<std::string, std::string> vars) const {
    Result<ServeSettings> r = LoadServeSettings(Env(std::move(vars)));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : ServeSettings{};
  }

  std::string Error(std::map<std::string, std::string> vars) const {
    Result<ServeSettings> r = LoadServeSettings(Env(std::move(vars)));
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  }

  fs::path home_;
};

TEST_F(ServeSettingsTest, DefaultsWhenNothingIsSet) {
  ServeSettings s = MustLoad({});
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 11434);
  EXPECT_EQ(s.models_dir, home_.string() + "/.hearth/models");
  EXPECT_TRUE(s.origins.empty());
  EXPECT_TRUE(s.api_keys.empty());
  EXPECT_FALSE(s.keep_alive.has_value());
  EXPECT_FALSE(s.max_loaded_models.has_value());
  EXPECT_FALSE(s.max_queue.has_value());
  EXPECT_FALSE(s.num_parallel.has_value());
  EXPECT_FALSE(s.context_length.has_value());
  EXPECT_FALSE(s.num_threads.has_value());
  EXPECT_TRUE(s.prune);
  EXPECT_FALSE(s.pull_part_bytes.has_value());
  EXPECT_FALSE(s.pull_stall.has_value());
  EXPECT_FALSE(s.pull_retry.has_value());
  EXPECT_FALSE(s.config_path.has_value());  // ~/.hearth/config.yaml does not exist: no gateway

  // Empty values are unset; 0 in a count is the default, as in Ollama.
  ServeSettings empty = MustLoad({{"HEARTH_HOST", ""}, {"HEARTH_MAX_QUEUE", "0"},
                                  {"HEARTH_NUM_PARALLEL", ""}, {"HEARTH_CONFIG", ""}});
  EXPECT_EQ(empty.port, 11434);
  EXPECT_FALSE(empty.max_queue.has_value());
  EXPECT_FALSE(empty.num_parallel.has_value());
  EXPECT_FALSE(empty.config_path.has_value());
}

TEST_F(ServeSettingsTest, EveryVariableParsed) {
  const fs::path keys = home_ / "keys.txt";
  std::ofstream(keys) << "# team keys\nkey-from-file-1\n\n  key-from-file-2  \n";
  const fs::path config = home_ / "gateway.yaml";
  std::ofstream(config) << "model_list: []\n";
  ServeSettings s = MustLoad({
      {"HEARTH_HOST", "0.0.0.0:8080"},
      {"HEARTH_MODELS", "/srv/models"},
      {"HEARTH_ORIGINS", "http://a.example, ,app://b"},
      {"HEARTH_API_KEYS", "k1, k2,"},
      {"HEARTH_API_KEYS_FILE", keys.string()},
      {"HEARTH_KEEP_ALIVE", "10m"},
      {"HEARTH_MAX_LOADED_MODELS", "2"},
      {"HEARTH_MAX_QUEUE", "64"},
      {"HEARTH_NUM_PARALLEL", "4"},
      {"HEARTH_CONTEXT_LENGTH", "8192"},
      {"HEARTH_NUM_THREADS", "6"},
      {"HEARTH_NOPRUNE", "true"},
      {"HEARTH_PULL_PART_BYTES", "1048576"},
      {"HEARTH_PULL_STALL_MS", "5000"},
      {"HEARTH_PULL_RETRY_MS", "250"},
      {"HEARTH_CONFIG", config.string()},
  });
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.models_dir, "/srv/models");
  EXPECT_EQ(s.origins, (std::vector<std::string>{"http://a.example", "app://b"}));
  EXPECT_EQ(s.api_keys,
            (std::vector<std::string>{"k1", "k2", "key-from-file-1", "key-from-file-2"}));
  EXPECT_EQ(s.keep_alive, std::chrono::nanoseconds(10min));
  EXPECT_EQ(s.max_loaded_models, 2);
  EXPECT_EQ(s.max_queue, 64);
  EXPECT_EQ(s.num_parallel, 4);
  EXPECT_EQ(s.context_length, 8192);
  EXPECT_EQ(s.num_threads, 6);
  EXPECT_FALSE(s.prune);
  EXPECT_EQ(s.pull_part_bytes, 1048576u);
  EXPECT_EQ(s.pull_stall, 5000ms);
  EXPECT_EQ(s.pull_retry, 250ms);
  EXPECT_EQ(s.config_path, config.string());

  EXPECT_EQ(MustLoad({{"HEARTH_KEEP_ALIVE", "-1"}}).keep_alive, std::chrono::nanoseconds(-1s));
  EXPECT_EQ(MustLoad({{"HEARTH_KEEP_ALIVE", "300"}}).keep_alive, std::chrono::nanoseconds(300s));
  for (const char* off : {"0", "false", "no", "OFF"}) {
    EXPECT_TRUE(MustLoad({{"HEARTH_NOPRUNE", off}}).prune) << off;
  }
  for (const char* on : {"1", "TRUE", "yes", "on"}) {
    EXPECT_FALSE(MustLoad({{"HEARTH_NOPRUNE", on}}).prune) << on;
  }
}

TEST_F(ServeSettingsTest, BadValuesNameTheVariableAndTheValue) {
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"HEARTH_MAX_QUEUE", "abc"}}, "HEARTH_MAX_QUEUE=abc: not a non-negative integer"},
      {{{"HEARTH_MAX_QUEUE", "-1"}}, "HEARTH_MAX_QUEUE=-1: not a non-negative integer"},
      {{{"HEARTH_MAX_QUEUE", "12x"}}, "HEARTH_MAX_QUEUE=12x: not a non-negative integer"},
      {{{"HEARTH_MAX_QUEUE", "99999999999999999999999"}},
       "HEARTH_MAX_QUEUE=99999999999999999999999: more than 1000000"},
      {{{"HEARTH_NUM_PARALLEL", "300"}}, "HEARTH_NUM_PARALLEL=300: more than 256"},
      {{{"HEARTH_MAX_LOADED_MODELS", "1.5"}},
       "HEARTH_MAX_LOADED_MODELS=1.5: not a non-negative integer"},
      {{{"HEARTH_CONTEXT_LENGTH", "8"}}, "HEARTH_CONTEXT_LENGTH=8: less than 16 tokens"},
      {{{"HEARTH_NUM_THREADS", "all"}}, "HEARTH_NUM_THREADS=all: not a non-negative integer"},
      {{{"HEARTH_KEEP_ALIVE", "forever"}},
       "HEARTH_KEEP_ALIVE=forever: time: invalid duration \"forever\""},
      {{{"HEARTH_HOST", "127.0.0.1:99999"}},
       "HEARTH_HOST=127.0.0.1:99999: invalid port \"99999\" in \"127.0.0.1:99999\""},
      {{{"HEARTH_NOPRUNE", "maybe"}},
       "HEARTH_NOPRUNE=maybe: not a boolean (1, true, yes, on or 0, false, no, off)"},
      {{{"HEARTH_PULL_STALL_MS", "0"}}, "HEARTH_PULL_STALL_MS=0: not a positive integer"},
      {{{"HEARTH_PULL_PART_BYTES", "1GB"}}, "HEARTH_PULL_PART_BYTES=1GB: not a positive integer"},
      {{{"HEARTH_PULL_RETRY_MS", "-5"}}, "HEARTH_PULL_RETRY_MS=-5: not a positive integer"},
  };
  for (const auto& [vars, want] : cases) {
    Result<ServeSettings> r = LoadServeSettings(Env(vars));
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), want);
  }
}

TEST_F(ServeSettingsTest, ApiKeysAreCheckedButNeverQuoted) {
  const std::string msg = Error({{"HEARTH_API_KEYS", "good-key,bad key-SECRETTEXT"}});
  EXPECT_EQ(msg, "HEARTH_API_KEYS (key 2): an API key contains whitespace or control characters");

  const fs::path keys = home_ / "keys.txt";
  std::ofstream(keys) << "ok-key\nbad\x01key-SECRETTEXT\n";
  EXPECT_EQ(Error({{"HEARTH_API_KEYS_FILE", keys.string()}}),
            "HEARTH_API_KEYS_FILE=" + keys.string() +
                " (line 2): an API key contains whitespace or control characters");

  Result<ServeSettings> missing =
      LoadServeSettings(Env({{"HEARTH_API_KEYS_FILE", (home_ / "absent").string()}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
  EXPECT_EQ(missing.status().message(),
            "HEARTH_API_KEYS_FILE=" + (home_ / "absent").string() + ": cannot open the file");
}

TEST_F(ServeSettingsTest, GatewayConfigPath) {
  // The default file is used only when it exists.
  fs::create_directories(home_ / ".hearth");
  std::ofstream(home_ / ".hearth" / "config.yaml") << "{}\n";
  EXPECT_EQ(MustLoad({}).config_path, (home_ / ".hearth" / "config.yaml").string());

  // An explicit HEARTH_CONFIG must exist and be a file.
  const std::string absent = (home_ / "nope.yaml").string();
  EXPECT_EQ(Error({{"HEARTH_CONFIG", absent}}), "HEARTH_CONFIG=" + absent + ": no such file");
  EXPECT_EQ(Error({{"HEARTH_CONFIG", home_.string()}}),
            "HEARTH_CONFIG=" + home_.string() + ": not a regular file");
}

TEST(ServeVariables, ListsEveryVariable) {
  const std::vector<std::string>& vars = ServeVariables();
  for (const char* v : {"HEARTH_HOST", "HEARTH_MODELS", "HEARTH_KEEP_ALIVE", "HEARTH_MAX_QUEUE",
                        "HEARTH_API_KEYS_FILE", "HEARTH_NOPRUNE", "HEARTH_CONFIG"}) {
    EXPECT_NE(std::find(vars.begin(), vars.end(), v), vars.end()) << v;
  }
}

}  // namespace
}  // namespace hearth::cli
