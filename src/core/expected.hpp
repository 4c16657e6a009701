#pragma once
// Expected<T>: a T or an Error. g++ 12 has no std::expected; this is the small subset we use.
// Both converting constructors are implicit so that `return value;` and `return error;` read
// naturally.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace dlmsgw {

template <class T>
class [[nodiscard]] Expected {
 public:
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>, "Expected<Error> is ambiguous");

  Expected(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Expected(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  [[nodiscard]] bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::malformed, {}};
  bool failed_ = false;
};

// Convenience: the error value for a failing path.
inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace dlmsgw

// Early return on error. DLMSGW_TRY(expr) for Expected<void>-like results;
// DLMSGW_TRY_ASSIGN(auto x, expr) binds the value of a successful Expected<T>.
#define DLMSGW_CONCAT_INNER(a, b) a##b
#define DLMSGW_CONCAT(a, b) DLMSGW_CONCAT_INNER(a, b)
#define DLMSGW_TRY(expr)                                      \
  do {                                                        \
    auto dlmsgw_try_result = (expr);                          \
    if (!dlmsgw_try_result) return dlmsgw_try_result.error(); \
  } while (false)
#define DLMSGW_TRY_ASSIGN(lhs, expr)                                                              \
  auto DLMSGW_CONCAT(dlmsgw_try_, __LINE__) = (expr);                                             \
  if (!DLMSGW_CONCAT(dlmsgw_try_, __LINE__)) return DLMSGW_CONCAT(dlmsgw_try_, __LINE__).error(); \
  lhs = std::move(*DLMSGW_CONCAT(dlmsgw_try_, __LINE__))
