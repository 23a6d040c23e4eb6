// engine_bench: hearth's engine measured the way llama-bench measures libllama.
//   pp: one prompt of P random tokens, prefill tokens/s (prompt eval)
//   tg: from a 1-token prompt, N greedy tokens, decode tokens/s
// Usage: engine_bench MODEL.gguf [-p 512] [-n 128] [-t THREADS] [-r REPS]
// Prints one JSON object per repetition: {"test":"pp512","tps":...} / {"test":"tg128",...}.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "engine/engine.h"

using namespace hearth;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: engine_bench MODEL.gguf [-p N] [-n N] [-t N] [-r N]\n");
    return 2;
  }
  std::string path = argv[1];
  int p = 512, n = 128, threads = 0, reps = 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (f == "-p") p = v;
    else if (f == "-n") n = v;
    else if (f == "-t") threads = v;
    else if (f == "-r") reps = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", f.c_str());
      return 2;
    }
  }
  auto model = engine::Model::Load(path);
  if (!model.ok()) {
    std::fprintf(stderr, "Error: %s\n", model.status().message().c_str());
    return 1;
  }
  engine::EngineOptions eo;
  eo.n_ctx = p + n;  // as llama-bench sizes its context
  eo.n_parallel = 1;
  eo.n_batch = 512;
  eo.n_threads = threads;
  auto eng = engine::Engine::Create(*model, eo);
  if (!eng.ok()) {
    std::fprintf(stderr, "Error: %s\n", eng.status().message().c_str());
    return 1;
  }
  engine::Engine& e = **eng;
  std::mt19937 rng(42);
  const int vocab = (*model)->info().vocab_size;
  auto run = [&](int prompt_len, int gen) {
    engine::GenerateRequest r;
    for (int i = 0; i < prompt_len; ++i) r.prompt.push_back(static_cast<engine::Token>(rng() % vocab));
    r.options.sampling.temperature = 0;
    r.options.num_predict = gen;
    return e.Generate(std::move(r)).completion;
  };
  run(16, 4);  // warm-up, as llama-bench does
  for (int rep = 0; rep < reps; ++rep) {
    if (p > 0) {
      auto c = run(p, 1);
      const double s = std::chrono::duration<double>(c.prompt_eval_duration).count();
      std::printf("{\"test\":\"pp%d\",\"rep\":%d,\"tps\":%.3f}\n", p, rep, c.prompt_tokens / s);
    }
    if (n > 0) {
      auto c = run(1, n);
      // The first token comes from the prompt's decode; the rest are one decode step each.
      const double s = std::chrono::duration<double>(c.eval_duration).count();
      std::printf("{\"test\":\"tg%d\",\"rep\":%d,\"tps\":%.3f}\n", n, rep, (c.eval_tokens - 1) / s);
    }
    std::fflush(stdout);
  }
  return 0;
}
