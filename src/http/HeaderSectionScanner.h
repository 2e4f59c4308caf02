#pragma once
// Finds where the header section ends (the first empty line after the request line, RFC 9112 §2.1) and
// rejects a bare CR (one not followed by LF, §2.2) and a line starting with whitespace (obs-fold, §5.2, or
// whitespace before the first header, §2.2), incrementally: each byte is looked at once however the
// input is split.
//
// Why this exists beside http_parser: Debian builds libhttp-parser with HTTP_PARSER_STRICT=0, in which a CR
// may be followed by any byte ("\r\n\rX" ends the headers and swallows the X) and a space may end a header
// name. Such leniency is exactly where two parsers on one path (a proxy and us) disagree about where a
// request ends. RequestParser only lets http_parser see header bytes this scanner has cleared, and checks
// that both agree on the end.
#include <cstddef>
#include <span>

namespace wshub::http {

class HeaderSectionScanner {
 public:
  enum class Status { need_more, found, bare_cr, obs_fold };

  // Scans data[position(), min(data.size(), limit)) (a CRLF straddling `limit` is completed). `data` must
  // start with the bytes passed before.
  Status scan(std::span<const char> data, size_t limit);

  // Bytes from the start that are known to be clean; on an error, the offset of the offending byte.
  size_t position() const { return position_; }
  // After found: the length of the header section including the empty line.
  size_t end() const { return end_; }

  void reset() { *this = HeaderSectionScanner{}; }

 private:
  size_t position_ = 0;
  size_t end_ = 0;
  size_t line_length_ = 0;        // bytes on the current line, excluding CR/LF
  bool seen_first_line_ = false;  // leading empty lines before the request line are skipped (§2.2)
};

}  // namespace wshub::http
