#include "forward/forwarder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/last_error.h"
#include "base/logging.h"
#include "forward/disk_queue.h"
#include "forward/record_codec.h"
#include "forward/sender.h"

namespace vigil::forward {

namespace {

using SteadyClock = std::chrono::steady_clock;

uint64_t SegmentBytesFor(uint64_t queue_max_bytes) {
  // About 16 segments per queue, so acknowledged space is given back in
  // steps of ~6% while no single file grows huge.
  return std::clamp<uint64_t>(queue_max_bytes / 16, 1 << 20, 64 << 20);
}

class ForwarderImpl : public Forwarder {
 public:
  ForwarderImpl(const config::LogForwarderConfig& config, std::unique_ptr<DiskQueue> queue,
                std::unique_ptr<Sender> sender, metrics::Registry* registry)
      : config_(config), queue_(std::move(queue)), sender_(std::move(sender)) {
    if (registry == nullptr) {
      own_registry_ = std::make_unique<metrics::Registry>();
      registry = own_registry_.get();
    }
    auto& records = registry->CounterFamily(
        "vigil_forward_records_total", "Records forwarded, by result.", {"forwarder", "result"});
    sent_ = records.With({config_.name, "sent"});
    rejected_ = records.With({config_.name, "rejected"});
    errors_ = &registry->CounterFamily("vigil_forward_send_errors_total",
                                       "Failed send attempts of forwarders, by reason.",
                                       {"forwarder", "reason"});
    up_ = registry
              ->GaugeFamily("vigil_forward_up", "1 if the forwarder's last send succeeded.",
                            {"forwarder"})
              .With({config_.name});
    DiskQueue* q = queue_.get();
    queue_bytes_fn_ = registry->NewFunc(
        metrics::Type::kGauge, "vigil_forward_queue_bytes",
        "Bytes in the forwarder's disk queue not yet acknowledged by the receiver.",
        {{"forwarder", config_.name}}, [q] { return static_cast<double>(q->queued_bytes()); });
    queue_records_fn_ = registry->NewFunc(
        metrics::Type::kGauge, "vigil_forward_queue_records",
        "Records in the forwarder's disk queue not yet acknowledged by the receiver.",
        {{"forwarder", config_.name}}, [q] { return static_cast<double>(q->queued_records()); });
    thread_ = std::thread([this] { Run(); });
  }

  ~ForwarderImpl() override { Stop(0); }

  model::ConsumeResult Consume(model::LogBatch& batch) override {
    model::ConsumeResult result;
    if (batch.records.empty()) return result;
    thread_local FramedBatch framed;
    framed.Clear();
    for (size_t i = 0; i < batch.records.size(); ++i) {
      EncodeLogRecord(batch.records[i], framed.BeginRecord());
      if (!framed.EndRecord()) {
        result.rejected.push_back(
            {i, "line_too_long",
             fmt::format("record of {} bytes exceeds the forward queue's limit of {} bytes",
                         batch.records[i].body.size(), kMaxQueueRecordBytes)});
      }
    }
    result.status = queue_->Append(framed);
    if (!result.status.ok()) {
      result.rejected.clear();  // nothing was taken
    } else if (!result.rejected.empty()) {
      rejected_->Inc(static_cast<double>(result.rejected.size()));
      rejected_records_.fetch_add(result.rejected.size());
    }
    if (framed.bytes() > (4u << 20)) framed = FramedBatch();  // give a huge batch's memory back
    return result;
  }

  Status status() const override {
    Status s;
    {
      std::lock_guard<std::mutex> l(mu_);
      s.up = last_up_;
    }
    s.last_error = last_error_.Get();
    s.queued_records = queue_->queued_records();
    s.queued_bytes = queue_->queued_bytes();
    s.sent_records = sent_records_.load();
    s.rejected_records = rejected_records_.load();
    s.memory_bytes = queue_->memory_bytes() + pending_bytes_.load();
    return s;
  }

  void Stop(int64_t grace_ms) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_called_) {
        // A second Stop (e.g. the destructor's) only waits for the first.
      } else {
        stop_called_ = true;
        stopping_ = true;
        stop_deadline_ =
            SteadyClock::now() + std::chrono::milliseconds(std::max<int64_t>(grace_ms, 0));
      }
    }
    cv_.notify_all();
    queue_->Interrupt();
    {
      std::unique_lock<std::mutex> l(mu_);
      if (!cv_.wait_until(l, stop_deadline_, [this] { return done_; })) {
        hard_stop_ = true;
        l.unlock();
        sender_->Cancel();
        cv_.notify_all();
      }
    }
    std::lock_guard<std::mutex> jl(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  bool Stopping() {
    std::lock_guard<std::mutex> l(mu_);
    return stopping_;
  }

  // True when the sender should give up now: stopped and past the grace.
  bool PastGrace() {
    std::lock_guard<std::mutex> l(mu_);
    return hard_stop_ || (stopping_ && SteadyClock::now() >= stop_deadline_);
  }

  // Sleeps ms unless stopping past the grace; false if it should quit.
  bool Backoff(int64_t ms) {
    std::unique_lock<std::mutex> l(mu_);
    auto until = SteadyClock::now() + std::chrono::milliseconds(ms);
    cv_.wait_until(l, until, [&] {
      return hard_stop_ || (stopping_ && SteadyClock::now() >= stop_deadline_);
    });
    if (stopping_ && until > stop_deadline_) {
      cv_.wait_until(l, stop_deadline_, [&] { return hard_stop_; });
    }
    return !(hard_stop_ || (stopping_ && SteadyClock::now() >= stop_deadline_));
  }

  void SetUp(bool up, const std::string& error, bool log_change = true) {
    std::lock_guard<std::mutex> l(mu_);
    if (log_change && (up != last_up_ || first_result_)) {
      if (up) {
        log::Get("forward")->info("forwarder {}: sending to {}", config_.name, Target());
      } else {
        log::Get("forward")->warn(
            "forwarder {}: send to {} failed: {} (retrying, records stay queued)", config_.name,
            Target(), error);
      }
    }
    first_result_ = false;
    last_up_ = up;
    if (!error.empty()) last_error_.Record(error);
    up_->Set(up ? 1 : 0);
  }

  std::string Target() const { return config_.type == "syslog" ? config_.address : config_.url; }

  // Reads the next batch and decodes it into pending_. False: nothing to send.
  bool NextBatch(QueueRead* read) {
    vigil::Status s = queue_->Read(config_.batch_bytes, read);
    if (!s.ok()) {
      log::Get("forward")->error("forwarder {}: reading queue: {}", config_.name, s.ToString());
      Backoff(1000);
      return false;
    }
    if (read->records.empty()) {
      // Skipped empty or damaged segments: let them be deleted.
      if (!(read->end == queue_->cursor())) (void)queue_->Ack(*read);
      return false;
    }
    pending_.resize(read->records.size());
    size_t n = 0;
    for (std::string_view payload : read->records) {
      if (DecodeLogRecord(payload, &pending_[n]).ok()) {
        ++n;
      } else {
        errors_->With({config_.name, "corrupt_record"})->Inc();
        rejected_->Inc();
        rejected_records_.fetch_add(1);
      }
    }
    pending_.resize(n);
    pending_bytes_ = read->bytes;
    return true;
  }

  void Run() {
    QueueRead read;
    bool have_batch = false;
    int64_t backoff = std::max<int64_t>(config_.min_backoff_ms, 1);
    const int64_t max_backoff = std::max(config_.max_backoff_ms, backoff);
    for (;;) {
      if (!have_batch) {
        if (PastGrace()) break;
        if (Stopping()) {
          if (queue_->unread_bytes() == 0) break;
        } else {
          if (!queue_->WaitUnread(1, 1000)) continue;
          // A batch is sent when batch_bytes are there or batch_wait_ms passed.
          queue_->WaitUnread(config_.batch_bytes, config_.batch_wait_ms);
        }
        have_batch = NextBatch(&read);
        if (!have_batch) continue;
      }
      SendResult r = pending_.empty() ? SendResult::Ok(0) : sender_->Send(pending_);
      if (r.kind == SendResult::Kind::kRetry) {
        errors_->With({config_.name, r.reason})->Inc();
        SetUp(false, r.error);
        int64_t wait = std::min(std::max(backoff, r.retry_after_ms), max_backoff);
        backoff = std::min(backoff * 2, max_backoff);
        if (!Backoff(wait)) break;
        continue;
      }
      backoff = std::max<int64_t>(config_.min_backoff_ms, 1);
      if (r.kind == SendResult::Kind::kOk) {
        sent_->Inc(static_cast<double>(pending_.size()));
        sent_records_.fetch_add(pending_.size());
        SetUp(true, "");
      } else {
        errors_->With({config_.name, r.reason})->Inc();
        rejected_->Inc(static_cast<double>(pending_.size()));
        rejected_records_.fetch_add(pending_.size());
        log::Get("forward")->warn("forwarder {}: {} dropped {} records: {}", config_.name, Target(),
                                  pending_.size(), r.error);
        SetUp(false, r.error, /*log_change=*/false);  // logged above
      }
      vigil::Status s = queue_->Ack(read);
      if (!s.ok()) {
        // Sent already; the next Ack writes the cursor past this batch too.
        log::Get("forward")->error("forwarder {}: {}", config_.name, s.ToString());
      }
      have_batch = false;
      pending_.clear();
      pending_bytes_ = 0;
    }
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
    cv_.notify_all();
  }

  const config::LogForwarderConfig config_;
  std::unique_ptr<DiskQueue> queue_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<metrics::Registry> own_registry_;
  metrics::Counter* sent_ = nullptr;
  metrics::Counter* rejected_ = nullptr;
  metrics::Family<metrics::Counter>* errors_ = nullptr;
  metrics::Gauge* up_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_called_ = false;
  bool stopping_ = false;
  bool hard_stop_ = false;
  bool done_ = false;
  SteadyClock::time_point stop_deadline_ = SteadyClock::time_point::max();
  bool last_up_ = false;
  bool first_result_ = true;
  LastErrorNote last_error_;  // the newest failed send

  std::atomic<uint64_t> sent_records_{0};
  std::atomic<uint64_t> rejected_records_{0};
  std::atomic<uint64_t> pending_bytes_{0};
  std::vector<model::LogRecord> pending_;  // sender thread only

  std::mutex join_mu_;
  std::thread thread_;
  metrics::FuncHandle queue_bytes_fn_;
  metrics::FuncHandle queue_records_fn_;
};

}  // namespace

Result<std::unique_ptr<Forwarder>> Forwarder::Start(const config::LogForwarderConfig& config,
                                                    const std::string& queue_dir,
                                                    metrics::Registry* registry) {
  if (config.name.empty()) return vigil::Status::InvalidArgument("forwarder: name is required");
  VIGIL_ASSIGN_OR_RETURN(auto sender, NewSender(config));
  config::LogForwarderConfig cfg = config;
  cfg.batch_bytes = std::max<uint64_t>(cfg.batch_bytes, 1);
  cfg.batch_wait_ms = std::max<int64_t>(cfg.batch_wait_ms, 0);
  DiskQueueOptions qopts;
  qopts.max_bytes = cfg.queue_max_bytes;
  qopts.segment_bytes = SegmentBytesFor(cfg.queue_max_bytes);
  VIGIL_ASSIGN_OR_RETURN(auto queue, DiskQueue::Open(queue_dir, qopts));
  if (queue->queued_records() > 0) {
    log::Get("forward")->info("forwarder {}: resuming with {} queued records ({} bytes)", cfg.name,
                              queue->queued_records(), queue->queued_bytes());
  }
  return std::unique_ptr<Forwarder>(
      new ForwarderImpl(cfg, std::move(queue), std::move(sender), registry));
}

}  // namespace vigil::forward
