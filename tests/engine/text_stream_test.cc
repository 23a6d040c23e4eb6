#include "engine/text_stream.h"

#include <gtest/gtest.h>

#include "chat/parameters.h"

namespace hearth::engine {
namespace {

TEST(TextStreamTest, PassesTextThroughWithoutStops) {
  TextStream s({});
  EXPECT_EQ(s.Push("Hello"), "Hello");
  EXPECT_EQ(s.Push(" world"), " world");
  EXPECT_EQ(s.Flush(), "");
}

TEST(TextStreamTest, StopStringAcrossPiecesIsCutAndNeverEmitted) {
  TextStream s({"<|end|>"});
  std::string out;
  out += s.Push("Hi <|");
  EXPECT_EQ(out, "Hi ");  // "<|" might begin the stop string: held back
  out += s.Push("en");
  out += s.Push("d|> trailing");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.matched_stop(), "<|end|>");
  EXPECT_EQ(out, "Hi ");
  EXPECT_EQ(s.Push("more"), "");
  EXPECT_EQ(s.Flush(), "");
}

TEST(TextStreamTest, HeldPrefixIsReleasedWhenItDiverges) {
  TextStream s({"STOP"});
  EXPECT_EQ(s.Push("ST"), "");
  EXPECT_EQ(s.Push("AR"), "STAR");
  EXPECT_EQ(s.Push("S"), "");
  EXPECT_EQ(s.Flush(), "S");
  EXPECT_FALSE(s.stopped());
}

TEST(TextStreamTest, EarliestOfSeveralStopsWins) {
  TextStream s({"world", "lo w"});
  EXPECT_EQ(s.Push("hello world"), "hel");
  EXPECT_EQ(s.matched_stop(), "lo w");
}

TEST(TextStreamTest, NeverSplitsUtf8) {
  TextStream s({});
  const std::string text = "a€😀b";
  std::string out;
  for (char c : text) {
    std::string piece = s.Push(std::string(1, c));
    // Every emitted piece is whole characters.
    if (!piece.empty()) {
      const unsigned char first = static_cast<unsigned char>(piece[0]);
      EXPECT_NE(first & 0xC0, 0x80) << "piece starts with a continuation byte";
    }
    out += piece;
  }
  out += s.Flush();
  EXPECT_EQ(out, text);
}

TEST(ParametersTest, ParsesOllamaNames) {
  chat::GenerationOptions o;
  EXPECT_TRUE(chat::ApplyParameter(o, "temperature", "0.2").ok());
  EXPECT_FLOAT_EQ(o.sampling.temperature, 0.2f);
  EXPECT_TRUE(chat::ApplyParameter(o, "num_predict", "12").ok());
  EXPECT_EQ(o.num_predict, 12);
  EXPECT_TRUE(chat::ApplyParameter(o, "stop", "<|im_end|>").ok());
  EXPECT_TRUE(chat::ApplyParameter(o, "stop", "\n\n").ok());
  EXPECT_EQ(o.stop.size(), 2u);
  Status bad = chat::ApplyParameter(o, "top_k", "ten");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("top_k"), std::string::npos);
  EXPECT_EQ(chat::ApplyParameter(o, "bogus", "1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(chat::ApplyParameter(o, "num_ctx", "8192").code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace hearth::engine
