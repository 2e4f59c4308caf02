#include "http/HeaderSectionScanner.h"

#include <algorithm>

namespace wshub::http {

HeaderSectionScanner::Status HeaderSectionScanner::scan(std::span<const char> data, size_t limit) {
  if (end_ != 0) return Status::found;
  const size_t stop = std::min(data.size(), limit);
  size_t j = position_;
  for (; j < stop; ++j) {
    char c = data[j];
    if (c == '\r') {
      if (j + 1 >= data.size()) break;  // decide when the next byte arrives
      if (data[j + 1] != '\n') {
        position_ = j;
        return Status::bare_cr;
      }
      ++j;
      c = '\n';
    }
    if (c != '\n') {
      if (line_length_ == 0 && seen_first_line_ && (c == ' ' || c == '\t')) {
        // http_parser would splice the line onto the previous value, or skip an empty value's fold
        // without telling us; a proxy may see a separate header instead.
        position_ = j;
        return Status::obs_fold;
      }
      ++line_length_;
      continue;
    }
    // A bare LF ends a line too (§2.2 allows recognising it); http_parser does the same.
    if (line_length_ == 0 && seen_first_line_) {
      position_ = end_ = j + 1;
      return Status::found;
    }
    seen_first_line_ = seen_first_line_ || line_length_ > 0;
    line_length_ = 0;
  }
  position_ = j;
  return Status::need_more;
}

}  // namespace wshub::http
