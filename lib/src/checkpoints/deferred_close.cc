#include "checkpoints/deferred_close.h"

#include <unistd.h>

#include <system_error>

namespace bbsnap {

DeferredClose::~DeferredClose() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  for (int fd : queue_) ::close(fd);  // queued after the thread stopped, or never started
}

void DeferredClose::close_later(int fd) {
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {  // no thread to be had: the caller pays
      lock.unlock();
      ::close(fd);
      return;
    }
  }
  queue_.push_back(fd);
  lock.unlock();
  wake_.notify_one();
}

void DeferredClose::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return (queue_.empty() && !closing_) || !thread_.joinable(); });
}

void DeferredClose::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    std::vector<int> batch;
    batch.swap(queue_);
    closing_ = true;
    lock.unlock();
    for (int fd : batch) ::close(fd);
    lock.lock();
    closing_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace bbsnap
