// One OpenSSL object per thread, for set-up work that would otherwise make
// (and in OpenSSL 3.0, fetch by name under a lock) a fresh object per call.
#pragma once

namespace ainet::crypto::detail {

// The calling thread's object, made on first use by Make (retried while it
// fails) and freed by Free at thread exit. nullptr once it is gone: a later
// call on that thread (from a static destructor) must make and free its own,
// which ThreadOwnedOrFresh does.
template <typename T, T* (*Make)(), void (*Free)(T*)>
T* thread_owned() {
  static thread_local bool gone = false;
  struct Holder {
    T* p = nullptr;
    ~Holder() {
      Free(p);
      p = nullptr;
      gone = true;
    }
  };
  if (gone) return nullptr;
  static thread_local Holder h;
  if (h.p == nullptr) h.p = Make();
  return h.p;
}

// The thread's object borrowed for one call, or (at thread exit) a fresh one
// owned by this borrow and freed with it. get() is nullptr if OpenSSL failed.
template <typename T, T* (*Make)(), void (*Free)(T*)>
class ThreadOwnedOrFresh {
 public:
  ThreadOwnedOrFresh() {
    p_ = thread_owned<T, Make, Free>();
    if (p_ == nullptr) p_ = owned_ = Make();
  }
  ~ThreadOwnedOrFresh() {
    if (owned_ != nullptr) Free(owned_);
  }
  ThreadOwnedOrFresh(const ThreadOwnedOrFresh&) = delete;
  ThreadOwnedOrFresh& operator=(const ThreadOwnedOrFresh&) = delete;
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
  T* owned_ = nullptr;
};

}  // namespace ainet::crypto::detail
