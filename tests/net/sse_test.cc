#include "net/sse.h"

#include <gtest/gtest.h>

namespace hearth::net {
namespace {

std::vector<SseEvent> FeedAll(std::string_view text, size_t step = 0) {
  SseParser p;
  std::vector<SseEvent> out;
  if (step == 0) {
    EXPECT_TRUE(p.Feed(text, &out).ok());
  } else {
    for (size_t i = 0; i < text.size(); i += step) EXPECT_TRUE(p.Feed(text.substr(i, step), &out).ok());
  }
  return out;
}

TEST(SseParser, OpenAiStyleStream) {
  auto events = FeedAll("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[2].data, "[DONE]");
}

TEST(SseParser, AnthropicStyleEventsAndFields) {
  auto events = FeedAll(
      "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      ": keep-alive comment\n\n"
      "event: ping\nid: 7\nretry: 1500\ndata: x\n\n"
      "data:no-space\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event, "message_start");
  EXPECT_EQ(events[0].data, "{\"type\":\"message_start\"}");
  EXPECT_EQ(events[1].event, "ping");
  EXPECT_EQ(events[1].id, "7");
  EXPECT_EQ(events[2].event, "");     // the event type resets after each event
  EXPECT_EQ(events[2].id, "7");       // the last event id persists
  EXPECT_EQ(events[2].data, "no-space");
}

TEST(SseParser, RetryAndUnknownFields) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.Feed("retry: 1500\nretry: soon\nfoo: bar\ndata\n\n", &out).ok());
  EXPECT_EQ(p.retry_ms(), 1500);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "");  // "data" with no colon: an empty data line
}

TEST(SseParser, MultiLineDataJoinedWithNewline) {
  auto events = FeedAll("data: line one\ndata: line two\ndata:\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "line one\nline two\n");
}

TEST(SseParser, AllLineEndings) {
  for (std::string text : {"event: e\r\ndata: d\r\n\r\n", "event: e\rdata: d\r\r",
                           "event: e\ndata: d\n\n", "event: e\r\ndata: d\n\r"}) {
    for (size_t step : {0, 1, 2, 3}) {
      auto events = FeedAll(text, step);
      ASSERT_EQ(events.size(), 1u) << step;
      EXPECT_EQ(events[0].event, "e");
      EXPECT_EQ(events[0].data, "d");
    }
  }
}

TEST(SseParser, ByteByByteMatchesWhole) {
  std::string text =
      "\xEF\xBB\xBF"
      "event: a\r\ndata: 1\r\ndata: 2\r\n\r\n:c\r\rid: z\rdata: \xC3\xA9t\xC3\xA9\r\r"
      "data: tail\n\n";
  auto whole = FeedAll(text);
  auto bytes = FeedAll(text, 1);
  ASSERT_EQ(whole.size(), 3u);
  ASSERT_EQ(bytes.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(bytes[i].event, whole[i].event);
    EXPECT_EQ(bytes[i].data, whole[i].data);
    EXPECT_EQ(bytes[i].id, whole[i].id);
  }
  EXPECT_EQ(whole[0].event, "a");  // the BOM was skipped
  EXPECT_EQ(whole[0].data, "1\n2");
  EXPECT_EQ(whole[1].id, "z");
  EXPECT_EQ(whole[1].data, "\xC3\xA9t\xC3\xA9");
}

TEST(SseParser, NoDataNoEventAndPartialAtEnd) {
  SseParser p;
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.Feed("event: lonely\n\n", &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(p.HasPartialEvent());
  ASSERT_TRUE(p.Feed("data: unterminated", &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(p.HasPartialEvent());
}

TEST(SseParser, BoundedEventSize) {
  SseParser p(64);
  std::vector<SseEvent> out;
  ASSERT_TRUE(p.Feed("data: small\n\n", &out).ok());
  Status s;
  for (int i = 0; i < 20 && s.ok(); ++i) s = p.Feed("data: 0123456789\n", &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(p.Feed("\n", &out).code(), StatusCode::kResourceExhausted);  // stays failed
  SseParser q(64);
  EXPECT_EQ(q.Feed(std::string(100, 'x'), &out).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(out.size(), 1u);
}

TEST(LineSplitter, NdjsonLines) {
  LineSplitter s;
  std::vector<std::string> lines;
  ASSERT_TRUE(s.Feed("{\"a\":1}\n{\"b\"", &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_TRUE(s.Feed(":2}\r\n\n{\"c\":3}", &lines).ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "{\"b\":2}");
  ASSERT_TRUE(s.Finish(&lines).ok());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "{\"c\":3}");
}

TEST(LineSplitter, ByteByByte) {
  std::string text = "one\r\ntwo\n\nthree\n";
  LineSplitter s;
  std::vector<std::string> lines;
  for (char c : text) ASSERT_TRUE(s.Feed(std::string_view(&c, 1), &lines).ok());
  ASSERT_TRUE(s.Finish(&lines).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineSplitter, BoundedLineLength) {
  LineSplitter s(8);
  std::vector<std::string> lines;
  ASSERT_TRUE(s.Feed("12345678\n", &lines).ok());
  ASSERT_TRUE(s.Feed("12345678\r\n", &lines).ok());
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_EQ(s.Feed("1234567890", &lines).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.Feed("\n", &lines).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace hearth::net
