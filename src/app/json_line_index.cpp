#include "app/json_line_index.hpp"

namespace dlmsgw::app {
namespace {

constexpr int kMaxDepth = 256;

class Scanner {
 public:
  Scanner(std::string_view text, std::map<std::string, std::size_t, std::less<>>& lines)
      : text_(text), lines_(lines) {}

  void run() {
    skip_space();
    lines_.emplace("", line_);
    value("", 0);
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void advance() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }

  void skip_space() {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        pos_ += 2;
        while (!at_end() && !(peek() == '*' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
          advance();
        }
        if (!at_end()) pos_ += 2;
      } else {
        return;
      }
    }
  }

  // A string's content (escapes kept as written: keys with escapes are rare and only need to be
  // found, not decoded exactly).
  bool string(std::string& out) {
    if (peek() != '"') return false;
    advance();
    while (!at_end() && peek() != '"') {
      if (peek() == '\\') {
        advance();
        if (at_end()) return false;
      }
      out += peek();
      advance();
    }
    if (at_end()) return false;
    advance();
    return true;
  }

  bool value(const std::string& path, int depth) {
    if (depth > kMaxDepth) return false;
    skip_space();
    if (peek() == '{') return object(path, depth);
    if (peek() == '[') return array(path, depth);
    if (peek() == '"') {
      std::string ignored;
      return string(ignored);
    }
    // Numbers, true, false, null: up to the next delimiter.
    const std::size_t start = pos_;
    while (!at_end() && peek() != ',' && peek() != '}' && peek() != ']' && peek() != ' ' &&
           peek() != '\n' && peek() != '\r' && peek() != '\t' && peek() != '/') {
      advance();
    }
    return pos_ > start;
  }

  bool object(const std::string& path, int depth) {
    advance();  // {
    skip_space();
    if (peek() == '}') {
      advance();
      return true;
    }
    while (true) {
      skip_space();
      const std::size_t key_line = line_;
      std::string key;
      if (!string(key)) return false;
      const std::string member = path.empty() ? key : path + "." + key;
      lines_.emplace(member, key_line);
      skip_space();
      if (peek() != ':') return false;
      advance();
      if (!value(member, depth + 1)) return false;
      skip_space();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == '}') {
        advance();
        return true;
      }
      return false;
    }
  }

  bool array(const std::string& path, int depth) {
    advance();  // [
    skip_space();
    if (peek() == ']') {
      advance();
      return true;
    }
    for (std::size_t i = 0;; ++i) {
      skip_space();
      const std::string element = path + "[" + std::to_string(i) + "]";
      lines_.emplace(element, line_);
      if (!value(element, depth + 1)) return false;
      skip_space();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') {
        advance();
        return true;
      }
      return false;
    }
  }

  std::string_view text_;
  std::map<std::string, std::size_t, std::less<>>& lines_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

JsonLineIndex::JsonLineIndex(std::string_view text) {
  Scanner(text, lines_).run();
}

std::optional<std::size_t> JsonLineIndex::line_of(std::string_view path) const {
  while (true) {
    if (const auto found = lines_.find(path); found != lines_.end()) return found->second;
    if (path.empty()) return std::nullopt;
    // "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
    const auto cut = path.find_last_of(".[");
    path = cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
  }
}

}  // namespace dlmsgw::app
