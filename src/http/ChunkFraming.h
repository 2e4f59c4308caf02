#pragma once
// Strict validation of the framing bytes of a chunked body (RFC 9112 §7.1), for the same reason as
// HeaderSectionScanner: Debian's non-strict libhttp-parser accepts any two bytes after chunk data in place of
// CRLF ("5\r\nhelloXY0\r\n\r\n") and any byte after a chunk-size CR. RequestParser hands every run of bytes
// between two pieces of chunk data (a "gap") to this check.
#include <string_view>

namespace wshub::http {

// `gap` lies between the end of the header section or of the previous chunk's data (`after_data`) and the
// start of the next chunk's data, or the end of the message (`is_last`). A gap between two pieces of the same
// chunk is empty and valid. A valid gap is:
//   [CRLF after data] chunk-size [chunk-ext] CRLF                   (not last)
//   [CRLF after data] 0+ [chunk-ext] CRLF trailer-lines CRLF          (last; trailers parsed by http_parser)
// where LF alone may stand for CRLF (as http_parser and §2.2 allow) and CR is never bare.
bool is_valid_chunk_gap(std::string_view gap, bool after_data, bool is_last);

}  // namespace wshub::http
