// Synthetic embedding models (BERT family): tensor lists, parameter counts and metadata against
// llama.cpp v0.5.0's converter and loaders, then end to end: synthesize, load with libllama,
// embed with Embedder.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/embedder.h"
#include "engine/model.h"
#include "engine/synth.h"
#include "gguf/gguf.h"
#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using ::hearth::testing::TempDir;

const SynthShape& Shape(const std::string& name) {
  const SynthShape* s = FindSynthShape(name);
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

// The vocabulary scripts/setup installs with llama.cpp (not in ../shared/models).
std::string BertVocab() {
  return (std::filesystem::path(HEARTH_VOCAB_DIR) / "ggml-vocab-bert-bge.gguf").string();
}

bool HaveBertVocab() { return std::filesystem::is_regular_file(BertVocab()); }

std::vector<std::string> Names(const std::vector<SynthTensor>& tensors, size_t from, size_t n) {
  std::vector<std::string> out;
  for (size_t i = from; i < from + n && i < tensors.size(); ++i) out.push_back(tensors[i].name);
  return out;
}

std::map<std::string, const SynthTensor*> ByName(const std::vector<SynthTensor>& tensors) {
  std::map<std::string, const SynthTensor*> m;
  for (const SynthTensor& t : tensors) EXPECT_TRUE(m.emplace(t.name, &t).second) << t.name;
  return m;
}

using Dims = std::vector<uint64_t>;

TEST(SynthBertShapesTest, Hyperparameters) {
  const SynthShape& m = Shape("all-minilm:22m");
  EXPECT_EQ(m.arch, "bert");
  EXPECT_TRUE(m.encoder);
  EXPECT_EQ(m.vocab_file, "ggml-vocab-bert-bge.gguf");
  EXPECT_EQ(m.n_vocab, 30522u);
  EXPECT_EQ(m.n_ctx_train, 512u);
  EXPECT_EQ(m.n_embd, 384u);
  EXPECT_EQ(m.n_layer, 6u);
  EXPECT_EQ(m.n_head, 12u);
  EXPECT_EQ(m.n_ff, 1536u);
  EXPECT_EQ(m.n_token_types, 2u);
  EXPECT_EQ(m.pooling_type, 1u);
  EXPECT_TRUE(m.learned_positions && m.gelu_ffn && m.linear_bias);
  EXPECT_FALSE(m.fused_qkv);

  const SynthShape& n = Shape("nomic-embed-text");
  EXPECT_EQ(n.arch, "nomic-bert");
  EXPECT_TRUE(n.encoder);
  EXPECT_EQ(n.n_vocab, 30528u);  // config.json vocab_size; the tokenizer has 30522
  EXPECT_EQ(n.n_ctx_train, 2048u);
  EXPECT_EQ(n.n_embd, 768u);
  EXPECT_EQ(n.n_layer, 12u);
  EXPECT_EQ(n.n_head, 12u);
  EXPECT_EQ(n.n_ff, 3072u);
  EXPECT_FLOAT_EQ(n.rope_freq_base, 1000.0f);
  EXPECT_TRUE(n.fused_qkv);
  EXPECT_FALSE(n.learned_positions || n.gelu_ffn || n.linear_bias);
}

// all-MiniLM-L6-v2's safetensors hold 22,713,216 parameters: embeddings 30522*384 + 512*384 +
// 2*384 + 2*384 (LayerNorm) = 11,918,592; per layer q/k/v/output 4*(384*384+384) = 591,360,
// intermediate 384*1536+1536 = 591,360, output 1536*384+384 = 590,208, two LayerNorms 1,536:
// 1,774,464 * 6 = 10,646,784; the pooler 384*384+384 = 147,840. BertModel.filter_tensors drops
// the pooler, so the GGUF holds 22,713,216 - 147,840 = 22,565,376.
TEST(SynthBertShapesTest, AllMiniLmTensors) {
  const SynthShape& s = Shape("all-minilm:22m");
  const std::vector<SynthTensor> t = SynthTensors(s);
  EXPECT_EQ(SynthParameterCount(s), 22'713'216u - 147'840u);
  ASSERT_EQ(t.size(), 5u + 6u * 16u);
  // Sorted Hugging Face names: embeddings.LayerNorm.{bias,weight}, position_embeddings,
  // token_type_embeddings, word_embeddings, then encoder.layer.0.attention.output.LayerNorm...
  EXPECT_EQ(Names(t, 0, 5),
            (std::vector<std::string>{"token_embd_norm.bias", "token_embd_norm.weight",
                                      "position_embd.weight", "token_types.weight",
                                      "token_embd.weight"}));
  EXPECT_EQ(
      Names(t, 5, 16),
      (std::vector<std::string>{
          "blk.0.attn_output_norm.bias", "blk.0.attn_output_norm.weight", "blk.0.attn_output.bias",
          "blk.0.attn_output.weight", "blk.0.attn_k.bias", "blk.0.attn_k.weight",
          "blk.0.attn_q.bias", "blk.0.attn_q.weight", "blk.0.attn_v.bias", "blk.0.attn_v.weight",
          "blk.0.ffn_up.bias", "blk.0.ffn_up.weight", "blk.0.layer_output_norm.bias",
          "blk.0.layer_output_norm.weight", "blk.0.ffn_down.bias", "blk.0.ffn_down.weight"}));
  const auto m = ByName(t);
  auto dims = [&](const std::string& n) { return m.count(n) ? m.at(n)->dims : Dims{}; };
  auto type = [&](const std::string& n) { return m.count(n) ? m.at(n)->type : 99u; };
  // Shapes as src/models/bert.cpp creates them; f32 where the converter keeps f32.
  EXPECT_EQ(dims("token_embd.weight"), (Dims{384, 30522}));
  EXPECT_EQ(type("token_embd.weight"), 1u);
  EXPECT_EQ(dims("position_embd.weight"), (Dims{384, 512}));
  EXPECT_EQ(type("position_embd.weight"), 0u);
  EXPECT_EQ(dims("token_types.weight"), (Dims{384, 2}));
  EXPECT_EQ(type("token_types.weight"), 0u);
  EXPECT_EQ(dims("blk.5.attn_q.weight"), (Dims{384, 384}));
  EXPECT_EQ(dims("blk.5.attn_v.bias"), (Dims{384}));
  EXPECT_EQ(dims("blk.5.attn_output.weight"), (Dims{384, 384}));
  EXPECT_EQ(dims("blk.5.ffn_up.weight"), (Dims{384, 1536}));
  EXPECT_EQ(dims("blk.5.ffn_up.bias"), (Dims{1536}));
  EXPECT_EQ(dims("blk.5.ffn_down.weight"), (Dims{1536, 384}));
  EXPECT_EQ(dims("blk.5.ffn_down.bias"), (Dims{384}));
  EXPECT_EQ(dims("blk.5.layer_output_norm.bias"), (Dims{384}));
  EXPECT_EQ(m.at("blk.5.layer_output_norm.weight")->init, SynthInit::kOnes);
  EXPECT_EQ(m.at("blk.5.layer_output_norm.bias")->init, SynthInit::kRandom);
  // No output head, no fused qkv, no gate, no RMS norms.
  for (const char* absent : {"output.weight", "output_norm.weight", "blk.0.attn_qkv.weight",
                             "blk.0.ffn_gate.weight", "blk.0.attn_norm.weight", "cls.weight"}) {
    EXPECT_EQ(m.count(absent), 0u) << absent;
  }
}

// nomic-embed-text-v1.5's 112 checkpoint tensors: embeddings 30528*768 + 2*768 + emb_ln 2*768
// = 23,448,576; per layer Wqkv 768*2304, out_proj 768*768, fc11/fc12 768*3072, fc2 3072*768,
// norm1/norm2 2*2*768 = 9,440,256, * 12 = 113,283,072. Total 136,731,648, all in the GGUF.
TEST(SynthBertShapesTest, NomicEmbedTextTensors) {
  const SynthShape& s = Shape("nomic-embed-text");
  const std::vector<SynthTensor> t = SynthTensors(s);
  EXPECT_EQ(SynthParameterCount(s), 136'731'648u);
  ASSERT_EQ(t.size(), 4u + 12u * 9u);
  // Sorted Hugging Face names: emb_ln, embeddings.*, encoder.layers.0, 1, 10, 11, 2, ...
  EXPECT_EQ(Names(t, 0, 13),
            (std::vector<std::string>{
                "token_embd_norm.bias", "token_embd_norm.weight", "token_types.weight",
                "token_embd.weight", "blk.0.attn_qkv.weight", "blk.0.attn_output.weight",
                "blk.0.ffn_up.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight",
                "blk.0.attn_output_norm.bias", "blk.0.attn_output_norm.weight",
                "blk.0.layer_output_norm.bias", "blk.0.layer_output_norm.weight"}));
  EXPECT_EQ(t[4 + 2 * 9].name, "blk.10.attn_qkv.weight");
  const auto m = ByName(t);
  auto dims = [&](const std::string& n) { return m.count(n) ? m.at(n)->dims : Dims{}; };
  // Shapes as src/models/nomic-bert.cpp creates them.
  EXPECT_EQ(dims("token_embd.weight"), (Dims{768, 30528}));
  EXPECT_EQ(dims("token_types.weight"), (Dims{768, 2}));
  EXPECT_EQ(dims("blk.11.attn_qkv.weight"), (Dims{768, 3 * 768}));
  EXPECT_EQ(dims("blk.11.attn_output.weight"), (Dims{768, 768}));
  EXPECT_EQ(dims("blk.11.ffn_up.weight"), (Dims{768, 3072}));
  EXPECT_EQ(dims("blk.11.ffn_gate.weight"), (Dims{768, 3072}));
  EXPECT_EQ(dims("blk.11.ffn_down.weight"), (Dims{3072, 768}));
  // No biases on linear layers (qkv_proj_bias, mlp_fc1_bias, mlp_fc2_bias are false), no
  // learned positions (RoPE), no output head.
  for (const char* absent :
       {"position_embd.weight", "blk.0.attn_qkv.bias", "blk.0.attn_q.weight",
        "blk.0.attn_output.bias", "blk.0.ffn_up.bias", "blk.0.ffn_down.bias", "output.weight"}) {
    EXPECT_EQ(m.count(absent), 0u) << absent;
  }
}

std::vector<std::string> Keys(const std::vector<gguf::KeyValue>& kv) {
  std::vector<std::string> keys;
  for (const gguf::KeyValue& e : kv) keys.push_back(e.key);
  return keys;
}

TEST(SynthBertShapesTest, Metadata) {
  // The converter's order: TextModel.set_gguf_parameters (no head_count_kv or rope for BERT),
  // file type, then BertModel's causal and pooling.
  const std::vector<gguf::KeyValue> bert = SynthMetadata(Shape("all-minilm:22m"));
  EXPECT_EQ(Keys(bert),
            (std::vector<std::string>{
                "general.architecture", "general.type", "general.name", "general.size_label",
                "hearth.synthetic", "bert.block_count", "bert.context_length",
                "bert.embedding_length", "bert.feed_forward_length", "bert.attention.head_count",
                "bert.attention.layer_norm_epsilon", "general.file_type", "bert.attention.causal",
                "bert.pooling_type", "general.quantization_version"}));
  std::map<std::string, gguf::Value> kv;
  for (const gguf::KeyValue& e : bert) kv[e.key] = e.value;
  EXPECT_EQ(kv["general.architecture"].s, "bert");
  EXPECT_EQ(kv["general.type"].s, "model");
  EXPECT_EQ(kv["general.name"].s, "synthetic all-MiniLM-L6-v2");
  EXPECT_EQ(kv["general.size_label"].s, "23M");
  EXPECT_EQ(kv["bert.block_count"].i, 6);
  EXPECT_EQ(kv["bert.context_length"].i, 512);
  EXPECT_EQ(kv["bert.embedding_length"].i, 384);
  EXPECT_EQ(kv["bert.feed_forward_length"].i, 1536);
  EXPECT_EQ(kv["bert.attention.head_count"].i, 12);
  EXPECT_EQ(kv["bert.attention.layer_norm_epsilon"].type, gguf::ValueType::kFloat32);
  EXPECT_FLOAT_EQ(kv["bert.attention.layer_norm_epsilon"].f, 1e-12f);
  EXPECT_EQ(kv["bert.attention.causal"].type, gguf::ValueType::kBool);
  EXPECT_FALSE(kv["bert.attention.causal"].b);
  EXPECT_EQ(kv["bert.pooling_type"].type, gguf::ValueType::kUint32);
  EXPECT_EQ(kv["bert.pooling_type"].i, 1);  // mean

  const std::vector<gguf::KeyValue> nomic = SynthMetadata(Shape("nomic-embed-text"));
  EXPECT_EQ(Keys(nomic), (std::vector<std::string>{
                             "general.architecture", "general.type", "general.name",
                             "general.size_label", "hearth.synthetic", "nomic-bert.block_count",
                             "nomic-bert.context_length", "nomic-bert.embedding_length",
                             "nomic-bert.feed_forward_length", "nomic-bert.attention.head_count",
                             "nomic-bert.rope.freq_base", "nomic-bert.attention.layer_norm_epsilon",
                             "general.file_type", "nomic-bert.attention.causal",
                             "nomic-bert.pooling_type", "general.quantization_version"}));
  kv.clear();
  for (const gguf::KeyValue& e : nomic) kv[e.key] = e.value;
  EXPECT_EQ(kv["general.size_label"].s, "137M");
  EXPECT_EQ(kv["nomic-bert.context_length"].i, 2048);
  EXPECT_EQ(kv["nomic-bert.embedding_length"].i, 768);
  EXPECT_EQ(kv["nomic-bert.feed_forward_length"].i, 3072);
  EXPECT_FLOAT_EQ(kv["nomic-bert.rope.freq_base"].f, 1000.0f);
  EXPECT_FLOAT_EQ(kv["nomic-bert.attention.layer_norm_epsilon"].f, 1e-12f);
  EXPECT_FALSE(kv["nomic-bert.attention.causal"].b);
  EXPECT_EQ(kv["nomic-bert.pooling_type"].i, 1);
}

TEST(SynthBertShapesTest, TokenizerFromTheBertVocabulary) {
  if (!HaveBertVocab()) GTEST_SKIP() << BertVocab() << " is missing (run scripts/setup)";
  // nomic-embed-text pads the 30522 WordPiece tokens to config.json's 30528.
  auto kv = SynthTokenizerMetadata(Shape("nomic-embed-text"), BertVocab());
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  std::map<std::string, gguf::Value> m;
  for (const gguf::KeyValue& e : *kv) m[e.key] = e.value;
  EXPECT_EQ(m["tokenizer.ggml.model"].s, "bert");
  EXPECT_EQ(m["tokenizer.ggml.token_type_count"].i, 2);
  const gguf::Value& tokens = m["tokenizer.ggml.tokens"];
  ASSERT_EQ(tokens.array_len, 30528u);
  ASSERT_EQ(tokens.strings.size(), 30528u);
  EXPECT_EQ(tokens.strings[0], "[PAD]");
  EXPECT_EQ(tokens.strings[100], "[UNK]");
  EXPECT_EQ(tokens.strings[101], "[CLS]");
  EXPECT_EQ(tokens.strings[102], "[SEP]");
  EXPECT_EQ(tokens.strings[103], "[MASK]");
  EXPECT_EQ(tokens.strings[30521], "～");  // the vocabulary's last token
  EXPECT_EQ(tokens.strings[30522], "[PAD30522]");
  EXPECT_EQ(tokens.strings[30527], "[PAD30527]");
  const gguf::Value& types = m["tokenizer.ggml.token_type"];
  ASSERT_EQ(types.ints.size(), 30528u);
  EXPECT_EQ(types.ints[101], 3);    // control
  EXPECT_EQ(types.ints[30527], 5);  // unused, as the converter pads
  EXPECT_EQ(m["tokenizer.ggml.cls_token_id"].i, 101);
  EXPECT_EQ(m["tokenizer.ggml.seperator_token_id"].i, 102);
  EXPECT_EQ(m["tokenizer.ggml.unknown_token_id"].i, 100);
  EXPECT_EQ(m["tokenizer.ggml.padding_token_id"].i, 0);
  EXPECT_EQ(m["tokenizer.ggml.mask_token_id"].i, 103);

  auto mini = SynthTokenizerMetadata(Shape("all-minilm:22m"), BertVocab());
  ASSERT_TRUE(mini.ok()) << mini.status().ToString();
  for (const gguf::KeyValue& e : *mini) {
    if (e.key == "tokenizer.ggml.tokens") {
      EXPECT_EQ(e.value.array_len, 30522u);  // no padding
    }
  }
}

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

// Synthesizes `name` as f16, loads it and embeds: the shape's width, unit vectors, mean pooling,
// deterministic, different texts differ, [CLS] ... [SEP] counted.
void ExpectEmbeds(const std::string& name, const std::string& arch, int32_t ctx, int32_t embd,
                  uint64_t params) {
  const std::string dir = TempDir();
  SynthOptions o;
  o.model = name;
  o.type = "f16";
  o.vocab_path = BertVocab();
  o.out_path = dir + "/model.gguf";
  const Status st = Synthesize(o);
  ASSERT_TRUE(st.ok()) << st.ToString();

  auto f = gguf::ReadFile(o.out_path, {.keep_string_arrays = false});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->ParameterCount(), params);
  const std::vector<SynthTensor> want = SynthTensors(*FindSynthShape(name));
  ASSERT_EQ(f->tensors.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(f->tensors[i].name, want[i].name);
    EXPECT_EQ(f->tensors[i].dims, want[i].dims) << want[i].name;
  }
  EXPECT_EQ(f->GetInt("tokenizer.ggml.token_type_count"), 2);

  // libllama refuses a file with a missing required tensor, a wrong shape or an unused tensor.
  auto model = Model::Load(o.out_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const ModelInfo& info = (*model)->info();
  EXPECT_EQ(info.architecture, arch);
  EXPECT_TRUE(info.synthetic);
  EXPECT_TRUE(info.capabilities.embedding);
  EXPECT_FALSE(info.capabilities.completion);
  EXPECT_FALSE(info.has_chat_template);
  EXPECT_EQ(info.context_length, ctx);
  EXPECT_EQ(info.embedding_length, embd);
  EXPECT_EQ(info.vocab_type, "wpm");
  EXPECT_EQ(info.parameter_count, params);
  // WordPiece: [CLS] hello world [SEP].
  EXPECT_EQ((*model)->Tokenize("Hello world", true, false),
            (std::vector<Token>{101, 7592, 2088, 102}));

  EmbedderOptions eo;
  eo.n_ctx = 512;
  eo.n_seq_max = 2;
  auto embedder = Embedder::Create(*model, eo);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  Embedder& e = **embedder;
  EXPECT_EQ(e.pooling(), "mean");
  EXPECT_EQ(e.dimensions(), embd);
  const std::vector<std::string> texts = {"Hello world",
                                          "The quick brown fox jumps over the lazy dog."};
  auto r = e.Embed(texts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  for (size_t i = 0; i < texts.size(); ++i) {
    const Embedding& x = (*r)[i];
    ASSERT_EQ(x.values.size(), static_cast<size_t>(embd));
    EXPECT_NEAR(Norm(x.values), 1.0, 1e-4);
    const std::vector<Token> toks = (*model)->Tokenize(texts[i], true, false);
    EXPECT_EQ(x.tokens, static_cast<int32_t>(toks.size()));
    EXPECT_EQ(toks.front(), 101);
    EXPECT_EQ(toks.back(), 102);
  }
  EXPECT_EQ((*r)[0].tokens, 4);
  EXPECT_NE((*r)[0].values, (*r)[1].values);
  double diff = 0;
  for (int32_t j = 0; j < embd; ++j) diff += std::fabs((*r)[0].values[j] - (*r)[1].values[j]);
  EXPECT_GT(diff, 1e-3);
  auto again = e.Embed(texts);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)[0].values, (*r)[0].values);
  EXPECT_EQ((*again)[1].values, (*r)[1].values);
  auto alone = e.Embed({texts[1]});  // the same text in another batch slot
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  for (int32_t j = 0; j < embd; ++j) EXPECT_NEAR((*alone)[0].values[j], (*r)[1].values[j], 1e-5);
}

TEST(SynthesizeTest, AllMiniLmF16Embeds) {
  if (!HaveBertVocab()) GTEST_SKIP() << BertVocab() << " is missing (run scripts/setup)";
  ExpectEmbeds("all-minilm:22m", "bert", 512, 384, 22'565'376u);
}

TEST(SynthesizeTest, NomicEmbedTextF16Embeds) {
  if (!HaveBertVocab()) GTEST_SKIP() << BertVocab() << " is missing (run scripts/setup)";
  ExpectEmbeds("nomic-embed-text", "nomic-bert", 2048, 768, 136'731'648u);
}

}  // namespace
}  // namespace hearth::engine
