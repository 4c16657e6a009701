#pragma once
// JsonLineIndex: where each value of a JSON text starts, by the path the connector parsers name it
// with ("devices[0].connection.port"), so that `dlmsgw validate` can print "file:line: path: ...".
// nlohmann::json keeps no positions, hence this small scanner. It accepts what the connector
// parser accepts (// and /* */ comments) and stops quietly at the first syntax error, keeping what
// it indexed so far: the parser reports the error itself.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dlmsgw::app {

class JsonLineIndex {
 public:
  explicit JsonLineIndex(std::string_view text);

  // The 1-based line of `path`'s key (object member) or first token (list element); for a path
  // that is not in the text (a missing key), the line of its nearest enclosing value.
  [[nodiscard]] std::optional<std::size_t> line_of(std::string_view path) const;

 private:
  std::map<std::string, std::size_t, std::less<>> lines_;
};

}  // namespace dlmsgw::app
