// scheduler_bench: what HEARTH_NUM_PARALLEL buys. C clients each send one greedy generate request
// of N tokens at once to a Scheduler with P sequences per model; prints, per P, the wall time
// until all are done, the aggregate decode rate and the mean time to the first token.
// Usage: scheduler_bench MODEL.gguf [-c CLIENTS=4] [-n TOKENS=128] [-t THREADS=0] [-r REPS=3]
// Prints one JSON object per (parallel, repetition).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "scheduler/scheduler.h"
#include "store/create.h"
#include "store/modelfile.h"

using namespace hearth;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: scheduler_bench MODEL.gguf [-c N] [-n N] [-t N] [-r N]\n");
    return 2;
  }
  const std::string path = std::filesystem::absolute(argv[1]).string();
  int clients = 4, tokens = 128, threads = 0, reps = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string f = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (f == "-c")
      clients = v;
    else if (f == "-n")
      tokens = v;
    else if (f == "-t")
      threads = v;
    else if (f == "-r")
      reps = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  char dir_template[] = "/tmp/scheduler_bench.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return 1;
  const std::string root = dir_template;
  auto store = store::Store::Open(root);
  auto mf = store::ParseModelfile("FROM " + path + "\n");
  auto name = store::ModelName::Parse("bench");
  if (!store.ok() || !mf.ok() || !name.ok()) return 1;
  if (Status s = store::CreateModel(**store, *name, *mf, {}); !s.ok()) {
    std::fprintf(stderr, "Error: %s\n", s.message().c_str());
    return 1;
  }
  for (int parallel : {1, 2, 4}) {
    scheduler::SchedulerOptions o;
    o.num_parallel = parallel;
    o.num_threads = threads;
    o.default_context = 512;
    o.min_context_tier = 512;
    o.log = [](const std::string&) {};
    auto sched = scheduler::Scheduler::Create(**store, o);
    if (!sched.ok()) return 1;
    for (int rep = 0; rep <= reps; ++rep) {  // rep 0 loads the model and warms up
      std::mutex mu;
      std::condition_variable cv;
      int done = 0;
      int64_t generated = 0;
      double ttft_sum = 0;
      const auto start = Clock::now();
      for (int c = 0; c < clients; ++c) {
        chat::Request r;
        r.kind = chat::RequestKind::kGenerate;
        r.model = "bench";
        r.prompt = "Once upon a time, client " + std::to_string(c);
        chat::ParameterValue t, n;
        t.type = chat::ParameterType::kFloat;
        n.type = chat::ParameterType::kInt;
        n.i = tokens;
        r.options = {{"temperature", t}, {"num_predict", n}};
        auto first = std::make_shared<std::atomic<bool>>(false);
        Status s = (*sched)->Generate(r, [&, first](chat::Chunk&& ch) {
          std::lock_guard<std::mutex> lock(mu);
          if (!ch.done && !first->exchange(true))
            ttft_sum += std::chrono::duration<double>(Clock::now() - start).count();
          if (ch.done) {
            generated += ch.usage.completion_tokens;
            ++done;
            cv.notify_all();
          }
          return true;
        });
        if (!s.ok()) {
          std::fprintf(stderr, "Error: %s\n", s.message().c_str());
          return 1;
        }
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done == clients; });
      const double wall = std::chrono::duration<double>(Clock::now() - start).count();
      if (rep == 0) continue;
      std::printf(
          "{\"parallel\":%d,\"clients\":%d,\"tokens\":%lld,\"wall_s\":%.3f,\"tps\":%.1f,"
          "\"mean_ttft_s\":%.3f}\n",
          parallel, clients, static_cast<long long>(generated), wall, generated / wall,
          ttft_sum / clients);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(root);
  return 0;
}
