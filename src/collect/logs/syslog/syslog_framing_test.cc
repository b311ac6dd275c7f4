#include "collect/logs/syslog/syslog_framing.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace vigil::logs {
namespace {

struct Frame {
  std::string text;
  bool truncated;
  bool operator==(const Frame&) const = default;
};

void PrintTo(const Frame& f, std::ostream* os) {
  *os << "{\"" << f.text.substr(0, 40) << "\" (" << f.text.size() << " bytes)"
      << (f.truncated ? ", truncated}" : "}");
}

// Feeds input in chunks of `step` bytes through a buffer, as the server does.
std::vector<Frame> SplitAll(std::string_view input, SyslogFraming mode, size_t max, size_t step,
                            SyslogFramer* framer_out = nullptr) {
  SyslogFramer framer(mode, max);
  std::vector<Frame> frames;
  auto on = [&](std::string_view f, bool t) { frames.push_back({std::string(f), t}); };
  std::string buf;
  for (size_t i = 0; i < input.size(); i += step) {
    buf.append(input.substr(i, step));
    size_t used = framer.Split(buf, on);
    buf.erase(0, used);
    EXPECT_LE(buf.size(), max + 11 + step);
  }
  framer.Finish(buf, on);
  if (framer_out != nullptr) *framer_out = framer;
  return frames;
}

TEST(SyslogFramerTest, NewlineFramingAnyChunking) {
  std::string in = "<13>a\n<13>bb\r\n\n<13>ccc\n<13>last";
  for (size_t step : {1, 2, 3, 7, 100}) {
    EXPECT_EQ(SplitAll(in, SyslogFraming::kAuto, 1024, step),
              (std::vector<Frame>{
                  {"<13>a", false}, {"<13>bb", false}, {"<13>ccc", false}, {"<13>last", false}}))
        << step;
  }
}

TEST(SyslogFramerTest, OctetCountingAnyChunking) {
  std::string in = "5 <13>a6 <13>bb\n9 <13>c\nd e";
  for (size_t step : {1, 2, 5, 100}) {
    EXPECT_EQ(SplitAll(in, SyslogFraming::kAuto, 1024, step),
              (std::vector<Frame>{{"<13>a", false}, {"<13>bb", false}, {"<13>c\nd e", false}}))
        << step;
  }
}

TEST(SyslogFramerTest, LongNewlineFrameIsCutAndRestSkipped) {
  std::string in = "<13>" + std::string(100, 'x') + "\n<13>next\n";
  auto frames = SplitAll(in, SyslogFraming::kNewline, 10, 7);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], (Frame{"<13>xxxxxx", true}));
  EXPECT_EQ(frames[1], (Frame{"<13>next", false}));
}

TEST(SyslogFramerTest, LongOctetFrameIsCutAndRestSkipped) {
  std::string big = "<13>" + std::string(10 << 20, 'y');
  std::string in = std::to_string(big.size()) + " " + big + "4 <1>z";
  auto frames = SplitAll(in, SyslogFraming::kOctetCounting, 64 << 10, 65536);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(frames[0].truncated);
  EXPECT_EQ(frames[0].text.size(), size_t{64} << 10);
  EXPECT_EQ(frames[1], (Frame{"<1>z", false}));
}

TEST(SyslogFramerTest, BadOctetHeaderFallsBackToNewlines) {
  SyslogFramer f(SyslogFraming::kOctetCounting, 100);
  auto frames = SplitAll("12x <13>a\n<13>b\n", SyslogFraming::kOctetCounting, 100, 100, &f);
  EXPECT_EQ(frames, (std::vector<Frame>{{"12x <13>a", false}, {"<13>b", false}}));
  EXPECT_EQ(f.framing_errors(), 1u);
  EXPECT_EQ(f.mode(), SyslogFraming::kNewline);
  auto frames2 = SplitAll("123456789012 x\n", SyslogFraming::kOctetCounting, 100, 100);
  EXPECT_EQ(frames2, (std::vector<Frame>{{"123456789012 x", false}}));
}

TEST(SyslogFramerTest, IncompleteLastOctetFrameIsDelivered) {
  EXPECT_EQ(SplitAll("10 <13>ab", SyslogFraming::kAuto, 100, 100),
            (std::vector<Frame>{{"<13>ab", false}}));
}

}  // namespace
}  // namespace vigil::logs
