#include <gtest/gtest.h>

#include <chrono>

#include "base/metrics.h"
#include "process/pipeline/step.h"
#include "process/pipeline/test_util.h"

namespace vigil::pipeline {
namespace {

using testing::Attr;
using testing::Batch;
using testing::Rec;

#ifdef VIGIL_PIPELINE_HAVE_LUA

class LuaStepTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Step>> Make(std::string code) {
    config::LogStepConfig c;
    c.type = "lua";
    c.lua_code = std::move(code);
    c.lua_timeout_ms = timeout_ms_;
    c.lua_memory_bytes = memory_;
    StepEnv env;
    env.pipeline = "p";
    env.step_errors = &registry_.CounterFamily("vigil_pipeline_step_errors_total", "",
                                               {"pipeline", "step", "reason"});
    return MakeStep(c, env);
  }
  std::unique_ptr<Step> MustMake(std::string code) {
    auto s = Make(std::move(code));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  double Errors(const std::string& reason) {
    return registry_.Get("vigil_pipeline_step_errors_total",
                         {{"pipeline", "p"}, {"step", "lua"}, {"reason", reason}});
  }
  int64_t timeout_ms_ = 50;
  uint64_t memory_ = 4 << 20;
  metrics::Registry registry_;
};

TEST_F(LuaStepTest, ModifiesFieldsLabelsAndAttributes) {
  auto step = MustMake(R"(
    function process(r)
      r.body = string.upper(r.body)
      r.severity_number = 17
      r.severity_text = "ERROR"
      r.labels.team = "core"
      r.labels.job = nil
      r.attributes.len = #r.body
      r.time_ns = r.observed_time_ns + 1
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("hello")});
  step->Process(&b);
  ASSERT_EQ(b.records.size(), 1u);
  const auto& r = b.records[0];
  EXPECT_EQ(r.body, "HELLO");
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(r.severity_text, "ERROR");
  EXPECT_EQ(r.stream, model::Labels::FromStrings({"team", "core"}));
  EXPECT_EQ(Attr(r, "len"), "5");
  EXPECT_EQ(r.time_ns, r.observed_time_ns + 1);
}

TEST_F(LuaStepTest, NilDropsAndAListSplits) {
  auto step = MustMake(R"(
    function process(r)
      if r.body == "drop" then return nil end
      if r.body:find(",") then
        local out = {}
        for part in r.body:gmatch("[^,]+") do
          local c = {body = part, labels = r.labels, attributes = {}, resource = {}}
          out[#out + 1] = c
        end
        return out
      end
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("a"), Rec("drop"), Rec("x,y,z"), Rec("b")});
  step->Process(&b);
  std::vector<std::string> bodies;
  for (const auto& r : b.records) bodies.push_back(r.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"a", "x", "y", "z", "b"}));
  EXPECT_EQ(b.origin, (std::vector<uint32_t>{0, 2, 2, 2, 3}));
  EXPECT_EQ(b.dropped, 1u);
  // Split records keep what the script did not set.
  EXPECT_EQ(b.records[1].observed_time_ns, Rec("").observed_time_ns);
}

TEST_F(LuaStepTest, SandboxHasNoOsIoRequireOrLoad) {
  auto step = MustMake(R"(
    function process(r)
      r.attributes.os = tostring(os)
      r.attributes.io = tostring(io)
      r.attributes.require = tostring(require)
      r.attributes.load = tostring(load)
      r.attributes.dofile = tostring(dofile)
      r.attributes.dump = tostring(string.dump)
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("x")});
  step->Process(&b);
  for (const char* k : {"os", "io", "require", "load", "dofile", "dump"}) {
    EXPECT_EQ(Attr(b.records[0], k), "nil") << k;
  }
}

TEST_F(LuaStepTest, OsExecuteAndIoOpenFailAndKeepTheRecordUnchanged) {
  auto step = MustMake(R"(
    function process(r)
      r.body = "changed"
      if r.attributes.try == "os" then os.execute("touch /tmp/vigil-lua-escape") end
      io.open("/etc/passwd")
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto r = Rec("orig");
  r.attributes = {{"try", "os"}};
  auto b = Batch({r, Rec("orig2")});
  step->Process(&b);
  ASSERT_EQ(b.records.size(), 2u);
  EXPECT_EQ(b.records[0].body, "orig");
  EXPECT_EQ(b.records[1].body, "orig2");
  EXPECT_NE(Attr(b.records[0], "vigil.error").find("lua: "), std::string::npos);
  EXPECT_EQ(Errors("error"), 2);
}

TEST_F(LuaStepTest, StringRepBombHitsTheMemoryCap) {
  auto step = MustMake(R"(
    function process(r)
      local s = string.rep("x", 1 << 30)
      r.body = s
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("small")});
  step->Process(&b);
  EXPECT_EQ(b.records[0].body, "small");
  EXPECT_EQ(Errors("memory"), 1);
}

TEST_F(LuaStepTest, GrowingTableHitsTheMemoryCapAndTheStateRecovers) {
  timeout_ms_ = 5000;
  auto step = MustMake(R"(
    function process(r)
      if r.body == "grow" then
        local t = {}
        for i = 1, 1e9 do t[i] = tostring(i) .. "padding-padding" end
      end
      r.body = r.body .. "!"
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("grow"), Rec("after")});
  step->Process(&b);
  EXPECT_EQ(b.records[0].body, "grow");
  EXPECT_EQ(b.records[1].body, "after!");
  EXPECT_EQ(Errors("memory"), 1) << Attr(b.records[0], "vigil.error");
}

TEST_F(LuaStepTest, InfiniteLoopHitsTheTimeLimit) {
  timeout_ms_ = 20;
  auto step = MustMake(R"(
    function process(r)
      if r.body == "spin" then while true do end end
      return r
    end)");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("spin"), Rec("fine")});
  auto start = std::chrono::steady_clock::now();
  step->Process(&b);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_EQ(b.records[0].body, "spin");
  EXPECT_EQ(b.records[1].body, "fine");
  EXPECT_EQ(Errors("timeout"), 1);
}

TEST_F(LuaStepTest, MakeRefusesSyntaxErrorsMissingFunctionBytecodeAndEndlessTopLevel) {
  EXPECT_FALSE(Make("function process(r) return r").ok());
  EXPECT_FALSE(Make("function other(r) return r end").ok());
  EXPECT_FALSE(Make(std::string("\x1bLua", 4)).ok());
  timeout_ms_ = 20;
  auto st = Make("while true do end");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("time limit"), std::string::npos);
}

TEST_F(LuaStepTest, BadReturnKeepsRecord) {
  auto step = MustMake("function process(r) return 42 end");
  ASSERT_NE(step, nullptr);
  auto b = Batch({Rec("x")});
  step->Process(&b);
  EXPECT_EQ(b.records[0].body, "x");
  EXPECT_EQ(Errors("bad_return"), 1);
}

#endif  // VIGIL_PIPELINE_HAVE_LUA

}  // namespace
}  // namespace vigil::pipeline
