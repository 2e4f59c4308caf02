#include "http/ChunkFraming.h"

namespace wshub::http {

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Consumes CRLF or LF at `i`.
bool eat_line_end(std::string_view s, size_t& i) {
  if (i < s.size() && s[i] == '\r') ++i;
  if (i >= s.size() || s[i] != '\n') return false;
  ++i;
  return true;
}

}  // namespace

bool is_valid_chunk_gap(std::string_view gap, bool after_data, bool is_last) {
  if (gap.empty() && after_data && !is_last) return true;  // the next piece of the same chunk
  size_t i = 0;
  if (after_data && !eat_line_end(gap, i)) return false;
  const size_t digits = i;
  bool zero = true;
  for (; i < gap.size() && is_hex(gap[i]); ++i) zero = zero && gap[i] == '0';
  if (i == digits) return false;
  // chunk-ext: http_parser already requires it to start with ';' or a space; here only line structure.
  for (; i < gap.size() && gap[i] != '\r' && gap[i] != '\n'; ++i) {
    unsigned char c = static_cast<unsigned char>(gap[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  if (!eat_line_end(gap, i)) return false;
  if (!is_last) return i == gap.size() && !zero;
  if (!zero) return false;
  // Trailer section: every CR must be part of a CRLF; the message ends with an empty line.
  for (size_t j = i; j < gap.size(); ++j) {
    if (gap[j] == '\r' && (j + 1 >= gap.size() || gap[j + 1] != '\n')) return false;
  }
  return gap.back() == '\n';
}

}  // namespace wshub::http
