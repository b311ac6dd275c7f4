// The lua step: a user function `process(record)` run in a sandboxed Lua 5.4
// state. Only the base (without dofile, loadfile, load, require,
// collectgarbage, print), string (without dump), table, math and utf8
// libraries are opened; chunks load as text only. Limits per call: a
// deadline checked by an instruction-count hook every 1000 VM instructions
// and an allocator that refuses to grow the state past lua_memory_bytes.
// States are not thread-safe, so the step keeps a pool: a Consume call
// takes a state, runs its batch and gives it back.
#include <fmt/format.h>

#include "base/file.h"
#include "process/pipeline/field.h"
#include "process/pipeline/step.h"

#ifdef VIGIL_PIPELINE_HAVE_LUA

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace vigil::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHookInstructions = 1000;

// One sandboxed state with its limits.
class LuaVm {
 public:
  ~LuaVm() {
    if (L_ != nullptr) lua_close(L_);
  }

  static Result<std::unique_ptr<LuaVm>> Make(const std::string& code, const std::string& chunk,
                                             const std::string& function, int64_t timeout_ms,
                                             uint64_t memory_bytes) {
    auto vm = std::unique_ptr<LuaVm>(new LuaVm());
    vm->limit_ = memory_bytes;
    vm->timeout_ = std::chrono::milliseconds(timeout_ms > 0 ? timeout_ms : 10);
    vm->L_ = lua_newstate(&LuaVm::Alloc, vm.get());
    if (vm->L_ == nullptr) return Status::ResourceExhausted("lua: cannot create a state");
    lua_State* L = vm->L_;
    *static_cast<LuaVm**>(lua_getextraspace(L)) = vm.get();
    VIGIL_RETURN_IF_ERROR(vm->OpenSandbox());
    lua_sethook(L, &LuaVm::Hook, LUA_MASKCOUNT, kHookInstructions);
    // Top-level code runs under the same limits (an endless loop there must
    // not hang Make).
    vm->Arm();
    int rc = luaL_loadbufferx(L, code.data(), code.size(), chunk.c_str(), "t");
    if (rc == LUA_OK) rc = lua_pcall(L, 0, 0, 0);
    if (rc != LUA_OK) {
      std::string msg = vm->ErrorText(rc);
      lua_pop(L, 1);
      return Status::InvalidArgument("lua: " + msg);
    }
    lua_getglobal(L, function.c_str());
    if (lua_type(L, -1) != LUA_TFUNCTION) {
      lua_pop(L, 1);
      return Status::InvalidArgument(
          fmt::format("lua: the script defines no function \"{}\"", function));
    }
    vm->function_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    return vm;
  }

  enum class Outcome { kKeep, kDrop, kReplace, kError };
  struct CallResult {
    Outcome outcome = Outcome::kKeep;
    std::vector<model::LogRecord> records;  // kReplace: one or more
    std::string reason;                     // kError: timeout | memory | error | bad_return
    std::string message;
  };

  CallResult Call(const model::LogRecord& r) {
    CallResult out;
    lua_State* L = L_;
    lua_settop(L, 0);
    Arm();
    lua_rawgeti(L, LUA_REGISTRYINDEX, function_ref_);
    if (!PushRecord(r)) {
      out.outcome = Outcome::kError;
      out.reason = "memory";
      out.message = "lua: not enough memory for the record";
      Recover();
      return out;
    }
    int rc = lua_pcall(L, 1, 1, 0);
    if (rc != LUA_OK) {
      out.outcome = Outcome::kError;
      out.reason = timed_out_ ? "timeout" : rc == LUA_ERRMEM ? "memory" : "error";
      out.message = "lua: " + ErrorText(rc);
      Recover();
      return out;
    }
    int t = lua_type(L, -1);
    if (t == LUA_TNIL || (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
      out.outcome = Outcome::kDrop;
    } else if (t == LUA_TTABLE) {
      lua_rawgeti(L, -1, 1);
      bool is_list = lua_type(L, -1) == LUA_TTABLE;
      lua_pop(L, 1);
      std::string err;
      if (is_list) {
        lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
        for (lua_Integer i = 1; i <= n && err.empty(); ++i) {
          lua_rawgeti(L, -1, i);
          model::LogRecord rec = r;
          if (lua_type(L, -1) != LUA_TTABLE) {
            err = fmt::format("element {} of the returned list is not a record table", i);
          } else {
            err = ReadRecord(lua_gettop(L), &rec);
          }
          lua_pop(L, 1);
          out.records.push_back(std::move(rec));
        }
      } else {
        model::LogRecord rec = r;
        err = ReadRecord(lua_gettop(L), &rec);
        out.records.push_back(std::move(rec));
      }
      if (!err.empty()) {
        out.records.clear();
        out.outcome = Outcome::kError;
        out.reason = "bad_return";
        out.message = "lua: " + err;
      } else {
        out.outcome = out.records.empty() ? Outcome::kDrop : Outcome::kReplace;
      }
    } else {
      out.outcome = Outcome::kError;
      out.reason = "bad_return";
      out.message = fmt::format("lua: {} returned a {}, want a record table, a list of them or nil",
                                "process", lua_typename(L, t));
    }
    lua_settop(L, 0);
    return out;
  }

 private:
  LuaVm() = default;

  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
    auto* vm = static_cast<LuaVm*>(ud);
    if (ptr == nullptr) osize = 0;  // osize is a type tag then
    if (nsize == 0) {
      vm->used_ -= osize;
      std::free(ptr);
      return nullptr;
    }
    if (nsize > osize && vm->used_ - osize + nsize > vm->limit_) return nullptr;
    void* p = std::realloc(ptr, nsize);
    if (p != nullptr) vm->used_ = vm->used_ - osize + nsize;
    return p;
  }

  static void Hook(lua_State* L, lua_Debug*) {
    LuaVm* vm = *static_cast<LuaVm**>(lua_getextraspace(L));
    if (Clock::now() > vm->deadline_) {
      vm->timed_out_ = true;
      luaL_error(L, "time limit exceeded");
    }
  }

  void Arm() {
    timed_out_ = false;
    deadline_ = Clock::now() + timeout_;
  }

  // After an error the garbage of the failed call is collected, so that the
  // next record starts with the memory it should have.
  void Recover() {
    lua_settop(L_, 0);
    lua_gc(L_, LUA_GCCOLLECT);
  }

  std::string ErrorText(int rc) {
    if (rc == LUA_ERRMEM) return "memory limit exceeded";
    const char* msg = lua_tostring(L_, -1);
    return msg ? msg : "error";
  }

  Status OpenSandbox() {
    lua_State* L = L_;
    static const luaL_Reg kLibs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (const auto& lib : kLibs) {
      luaL_requiref(L, lib.name, lib.func, 1);
      lua_pop(L, 1);
    }
    for (const char* name :
         {"dofile", "loadfile", "load", "loadstring", "require", "collectgarbage", "print"}) {
      lua_pushnil(L);
      lua_setglobal(L, name);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    return Status::OK();
  }

  static int PushRecordUnprotected(lua_State* L) {
    auto* r = static_cast<const model::LogRecord*>(lua_touserdata(L, 1));
    lua_settop(L, 0);
    lua_createtable(L, 0, 11);
    lua_pushlstring(L, r->body.data(), r->body.size());
    lua_setfield(L, -2, "body");
    lua_pushinteger(L, r->time_ns);
    lua_setfield(L, -2, "time_ns");
    lua_pushinteger(L, r->observed_time_ns);
    lua_setfield(L, -2, "observed_time_ns");
    lua_pushinteger(L, r->severity_number);
    lua_setfield(L, -2, "severity_number");
    lua_pushlstring(L, r->severity_text.data(), r->severity_text.size());
    lua_setfield(L, -2, "severity_text");
    lua_pushlstring(L, r->trace_id.data(), r->trace_id.size());
    lua_setfield(L, -2, "trace_id");
    lua_pushlstring(L, r->span_id.data(), r->span_id.size());
    lua_setfield(L, -2, "span_id");
    lua_createtable(L, 0, static_cast<int>(r->stream.size()));
    for (const auto& l : r->stream) {
      lua_pushlstring(L, l.value.data(), l.value.size());
      lua_setfield(L, -2, l.name.c_str());
    }
    lua_setfield(L, -2, "labels");
    for (auto [name, attrs] :
         {std::pair{"attributes", &r->attributes}, std::pair{"resource", &r->resource}}) {
      lua_createtable(L, 0, static_cast<int>(attrs->size()));
      for (const auto& a : *attrs) {
        lua_pushlstring(L, a.key.data(), a.key.size());
        lua_pushlstring(L, a.value.data(), a.value.size());
        lua_rawset(L, -3);
      }
      lua_setfield(L, -2, name);
    }
    return 1;
  }

  // Pushes the record table; false if memory ran out.
  bool PushRecord(const model::LogRecord& r) {
    lua_pushcfunction(L_, &LuaVm::PushRecordUnprotected);
    lua_pushlightuserdata(L_, const_cast<model::LogRecord*>(&r));
    if (lua_pcall(L_, 1, 1, 0) != LUA_OK) return false;
    // Stack: function, record.
    return true;
  }

  // Reads a string-keyed table of strings at `index` into out.
  std::string ReadMap(int index, const char* what, std::vector<model::LogAttribute>* out) {
    out->clear();
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      if (lua_type(L_, -2) != LUA_TSTRING) {
        lua_pop(L_, 2);
        return fmt::format("{} keys must be strings", what);
      }
      size_t kn, vn;
      const char* k = lua_tolstring(L_, -2, &kn);
      int vt = lua_type(L_, -1);
      if (vt != LUA_TSTRING && vt != LUA_TNUMBER && vt != LUA_TBOOLEAN) {
        lua_pop(L_, 2);
        return fmt::format("{}.{}: values must be strings, numbers or booleans", what,
                           std::string_view(k, kn));
      }
      std::string value;
      if (vt == LUA_TBOOLEAN) {
        value = lua_toboolean(L_, -1) ? "true" : "false";
      } else {
        // lua_tolstring converts a number in place; it is a copy (the value
        // slot), which lua_next tolerates.
        const char* v = lua_tolstring(L_, -1, &vn);
        value.assign(v, vn);
      }
      out->push_back(model::LogAttribute{std::string(k, kn), std::move(value)});
      lua_pop(L_, 1);
    }
    std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return "";
  }

  std::string ReadString(int index, const char* field, std::string* out) {
    int t = lua_getfield(L_, index, field);
    std::string err;
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
      size_t n;
      const char* s = lua_tolstring(L_, -1, &n);
      out->assign(s, n);
    } else if (t == LUA_TNIL) {
      out->clear();
    } else {
      err = fmt::format("record.{} must be a string", field);
    }
    lua_pop(L_, 1);
    return err;
  }

  std::string ReadInteger(int index, const char* field, int64_t* out) {
    int t = lua_getfield(L_, index, field);
    std::string err;
    if (t == LUA_TNUMBER) {
      int isnum = 0;
      lua_Integer v = lua_tointegerx(L_, -1, &isnum);
      if (!isnum) {
        v = static_cast<lua_Integer>(lua_tonumber(L_, -1));
      }
      *out = v;
    } else if (t == LUA_TNIL) {
      *out = 0;
    } else {
      err = fmt::format("record.{} must be a number", field);
    }
    lua_pop(L_, 1);
    return err;
  }

  std::string ReadRecord(int index, model::LogRecord* r) {
    std::string err;
    if (!(err = ReadString(index, "body", &r->body)).empty()) return err;
    if (!(err = ReadString(index, "severity_text", &r->severity_text)).empty()) return err;
    if (!(err = ReadString(index, "trace_id", &r->trace_id)).empty()) return err;
    if (!(err = ReadString(index, "span_id", &r->span_id)).empty()) return err;
    int64_t v = 0;
    if (!(err = ReadInteger(index, "time_ns", &r->time_ns)).empty()) return err;
    if (!(err = ReadInteger(index, "observed_time_ns", &v)).empty()) return err;
    if (v != 0) r->observed_time_ns = v;
    if (!(err = ReadInteger(index, "severity_number", &v)).empty()) return err;
    if (v < 0 || v > 24) return fmt::format("record.severity_number {} is not within 0..24", v);
    r->severity_number = static_cast<uint8_t>(v);
    struct MapField {
      const char* name;
      std::vector<model::LogAttribute>* out;
    };
    std::vector<model::LogAttribute> labels;
    for (auto [name, out] : {MapField{"labels", &labels}, MapField{"attributes", &r->attributes},
                             MapField{"resource", &r->resource}}) {
      int t = lua_getfield(L_, index, name);
      if (t == LUA_TTABLE) {
        err = ReadMap(lua_gettop(L_), name, out);
      } else if (t == LUA_TNIL) {
        out->clear();
      } else {
        err = fmt::format("record.{} must be a table", name);
      }
      lua_pop(L_, 1);
      if (!err.empty()) return err;
    }
    std::vector<model::Label> stream;
    stream.reserve(labels.size());
    for (auto& l : labels) {
      if (l.value.empty()) continue;  // an empty value removes the label
      stream.push_back(model::Label{std::move(l.key), std::move(l.value)});
    }
    r->stream = model::Labels::FromSorted(std::move(stream));  // sorted by ReadMap
    return "";
  }

  lua_State* L_ = nullptr;
  size_t used_ = 0;
  size_t limit_ = 0;
  std::chrono::milliseconds timeout_{10};
  Clock::time_point deadline_;
  bool timed_out_ = false;
  int function_ref_ = LUA_NOREF;
};

class LuaStep : public Step {
 public:
  LuaStep(std::string code, std::string chunk, const config::LogStepConfig& c, const StepEnv& env,
          std::unique_ptr<LuaVm> first)
      : code_(std::move(code)),
        chunk_(std::move(chunk)),
        function_(c.lua_function),
        timeout_ms_(c.lua_timeout_ms),
        memory_bytes_(c.lua_memory_bytes),
        errors_(env.step_errors, env.pipeline, "lua") {
    for (const char* reason : {"timeout", "memory", "error", "bad_return"}) {
      counters_.emplace_back(reason, errors_.For(reason));
    }
    free_.push_back(std::move(first));
  }

  void Process(WorkBatch* batch) override {
    std::unique_ptr<LuaVm> vm = Acquire();
    if (vm == nullptr) {
      for (size_t i = 0; i < batch->records.size(); ++i) {
        TagError(batch, i, "lua: cannot create a Lua state");
      }
      Count("error", batch->records.size());
      return;
    }
    const size_t n = batch->records.size();
    // Fast path: no record dropped or split, records replaced in place.
    std::vector<uint8_t> keep;
    std::vector<std::pair<size_t, std::vector<model::LogRecord>>> splits;
    std::vector<uint64_t> counts(counters_.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      LuaVm::CallResult r = vm->Call(batch->records[i]);
      switch (r.outcome) {
        case LuaVm::Outcome::kKeep:
          break;
        case LuaVm::Outcome::kDrop:
          if (keep.empty()) keep.assign(n, 1);
          keep[i] = 0;
          break;
        case LuaVm::Outcome::kReplace:
          if (r.records.size() == 1) {
            batch->records[i] = std::move(r.records[0]);
          } else {
            splits.emplace_back(i, std::move(r.records));
          }
          break;
        case LuaVm::Outcome::kError:
          for (size_t k = 0; k < counters_.size(); ++k) {
            if (counters_[k].first == r.reason) ++counts[k];
          }
          TagError(batch, i, std::move(r.message));
          break;
      }
    }
    Release(std::move(vm));
    for (size_t k = 0; k < counters_.size(); ++k) {
      if (counts[k]) counters_[k].second->Inc(static_cast<double>(counts[k]));
    }
    if (keep.empty() && splits.empty()) return;
    if (keep.empty()) keep.assign(n, 1);
    size_t dropped = 0;
    for (uint8_t k : keep) dropped += k == 0;
    batch->dropped += dropped;
    if (splits.empty()) {
      batch->Compact(keep);
      return;
    }
    WorkBatch out;
    out.records.reserve(n + splits.size());
    size_t next_split = 0;
    for (size_t i = 0; i < n; ++i) {
      if (next_split < splits.size() && splits[next_split].first == i) {
        for (auto& rec : splits[next_split].second) {
          out.records.push_back(std::move(rec));
          out.origin.push_back(batch->origin[i]);
          out.errored.push_back(batch->errored[i]);
        }
        ++next_split;
        continue;
      }
      if (!keep[i]) continue;
      out.records.push_back(std::move(batch->records[i]));
      out.origin.push_back(batch->origin[i]);
      out.errored.push_back(batch->errored[i]);
    }
    batch->records = std::move(out.records);
    batch->origin = std::move(out.origin);
    batch->errored = std::move(out.errored);
  }

 private:
  void Count(std::string_view reason, size_t n) {
    for (auto& [r, c] : counters_) {
      if (r == reason) c->Inc(static_cast<double>(n));
    }
  }

  std::unique_ptr<LuaVm> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        auto vm = std::move(free_.back());
        free_.pop_back();
        return vm;
      }
    }
    auto vm = LuaVm::Make(code_, chunk_, function_, timeout_ms_, memory_bytes_);
    return vm.ok() ? std::move(vm).value() : nullptr;
  }

  void Release(std::unique_ptr<LuaVm> vm) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(vm));
  }

  std::string code_;
  std::string chunk_;
  std::string function_;
  int64_t timeout_ms_;
  uint64_t memory_bytes_;
  StepErrors errors_;
  std::vector<std::pair<std::string, metrics::Counter*>> counters_;
  std::mutex mu_;
  std::vector<std::unique_ptr<LuaVm>> free_;
};

}  // namespace

Result<std::unique_ptr<Step>> MakeLuaStep(const config::LogStepConfig& c, const StepEnv& env) {
  if (c.lua_file.empty() == c.lua_code.empty()) {
    return Status::InvalidArgument("lua needs exactly one of file and code");
  }
  if (c.lua_function.empty()) return Status::InvalidArgument("lua: empty function name");
  if (c.lua_memory_bytes < (256 << 10)) {
    return Status::InvalidArgument("lua: memory limit below 256KiB");
  }
  std::string code = c.lua_code;
  std::string chunk = "=inline";
  if (!c.lua_file.empty()) {
    std::string path = c.lua_file;
    if (!path.starts_with("/") && !env.config_dir.empty()) path = fs::Join(env.config_dir, path);
    auto data = fs::ReadFile(path);
    if (!data.ok()) return data.status().WithContext("lua: reading " + path);
    code = std::move(data).value();
    chunk = "@" + c.lua_file;
  }
  VIGIL_ASSIGN_OR_RETURN(
      auto vm, LuaVm::Make(code, chunk, c.lua_function, c.lua_timeout_ms, c.lua_memory_bytes));
  return std::unique_ptr<Step>(
      new LuaStep(std::move(code), std::move(chunk), c, env, std::move(vm)));
}

}  // namespace vigil::pipeline

#else  // !VIGIL_PIPELINE_HAVE_LUA

namespace vigil::pipeline {

Result<std::unique_ptr<Step>> MakeLuaStep(const config::LogStepConfig&, const StepEnv&) {
  return Status::InvalidArgument("lua steps are not available: built without Lua 5.4");
}

}  // namespace vigil::pipeline

#endif
