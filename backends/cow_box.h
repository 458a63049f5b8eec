// CowBox<T>: a reference-counted T for copy-on-write sharing, also between
// threads (clones of a file may live in filesystems used from different
// threads). A holder may change the value in place only when unique().
//
// Why not std::shared_ptr: its use_count() is a relaxed load, so "count is 1,
// write in place" needs a separate acquire fence to be ordered after the
// other owners' last reads, and ThreadSanitizer does not model fences. Here
// unique() is an acquire load that pairs with the release in every other
// owner's decrement, which the language and TSan both see as synchronising.
#ifndef BACKENDS_COW_BOX_H_
#define BACKENDS_COW_BOX_H_

#include <atomic>
#include <utility>

namespace vfs {

template <typename T>
class CowBox {
 public:
  CowBox() = default;
  explicit CowBox(T value) : node_(new Node{std::move(value)}) {}
  CowBox(const CowBox& other) : node_(other.node_) {
    if (node_ != nullptr) node_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  CowBox(CowBox&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  CowBox& operator=(CowBox other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~CowBox() {
    if (node_ != nullptr && node_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete node_;
    }
  }

  explicit operator bool() const { return node_ != nullptr; }
  const T& operator*() const { return node_->value; }
  const T* operator->() const { return &node_->value; }

  // True if no other CowBox shares the value; everything the other (former)
  // owners did to it happens before this returns.
  bool unique() const { return node_->refs.load(std::memory_order_acquire) == 1; }
  // The value, for changing in place. Only after unique() returned true.
  T& mutable_value() { return node_->value; }

 private:
  struct Node {
    T value;
    std::atomic<long> refs{1};
  };
  Node* node_ = nullptr;
};

}  // namespace vfs

#endif  // BACKENDS_COW_BOX_H_
