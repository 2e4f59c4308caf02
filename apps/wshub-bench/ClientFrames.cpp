#include "ClientFrames.h"

#include <algorithm>
#include <cstring>

namespace wshub::bench {

void append_masked_frame(std::string& out, Opcode opcode, const uint8_t* payload, size_t size,
                         uint32_t mask_key) {
  uint8_t header[14];
  size_t n = 0;
  header[n++] = 0x80 | static_cast<uint8_t>(opcode);
  if (size < 126) {
    header[n++] = 0x80 | static_cast<uint8_t>(size);
  } else if (size <= 0xFFFF) {
    header[n++] = 0x80 | 126;
    header[n++] = static_cast<uint8_t>(size >> 8);
    header[n++] = static_cast<uint8_t>(size);
  } else {
    header[n++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8) header[n++] = static_cast<uint8_t>(uint64_t{size} >> shift);
  }
  const uint8_t key[4] = {static_cast<uint8_t>(mask_key >> 24), static_cast<uint8_t>(mask_key >> 16),
                          static_cast<uint8_t>(mask_key >> 8), static_cast<uint8_t>(mask_key)};
  std::memcpy(header + n, key, 4);
  n += 4;
  out.append(reinterpret_cast<const char*>(header), n);
  const size_t start = out.size();
  out.resize(start + size);
  for (size_t i = 0; i < size; ++i) out[start + i] = static_cast<char>(payload[i] ^ key[i & 3]);
}

ScanResult FrameScanner::feed(const uint8_t* data, size_t size) {
  ScanResult result;
  const uint8_t* p = data;
  const uint8_t* const end = data + size;
  while (p < end && !result.error) {
    if (!in_payload_) {
      const size_t take = std::min(header_need_ - header_have_, static_cast<size_t>(end - p));
      std::memcpy(header_ + header_have_, p, take);
      header_have_ += take;
      p += take;
      if (header_have_ < header_need_) break;
      if (header_need_ == 2) {
        if (header_[0] & 0x70) {
          result.error = "RSV bit set without an extension";
          break;
        }
        if (header_[1] & 0x80) {
          result.error = "masked frame from the server";
          break;
        }
        const uint8_t len7 = header_[1] & 0x7F;
        header_need_ = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        if (header_have_ < header_need_) continue;
      }
      uint64_t length = header_[1] & 0x7F;
      if (header_need_ > 2) {
        length = 0;
        for (size_t i = 2; i < header_need_; ++i) length = (length << 8) | header_[i];
      }
      fin_ = header_[0] & 0x80;
      opcode_ = static_cast<Opcode>(header_[0] & 0x0F);
      const bool control = static_cast<uint8_t>(opcode_) & 0x8;
      if (control && (length > 125 || !fin_)) {
        result.error = "invalid control frame";
        break;
      }
      header_have_ = 0;
      header_need_ = 2;
      payload_left_ = length;
      in_payload_ = true;
      if (control) control_payload_.clear();
    }
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(payload_left_, static_cast<uint64_t>(end - p)));
    if (static_cast<uint8_t>(opcode_) & 0x8) {
      control_payload_.append(reinterpret_cast<const char*>(p), take);
    } else {
      result.payload_bytes += take;
    }
    p += take;
    payload_left_ -= take;
    if (payload_left_ == 0) finish_frame(result);
  }
  return result;
}

void FrameScanner::finish_frame(ScanResult& result) {
  in_payload_ = false;
  switch (opcode_) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
      if (fin_) ++result.messages;
      break;
    case Opcode::ping:
      result.ping = true;
      break;
    case Opcode::close:
      result.close = true;
      break;
    case Opcode::pong:
      break;
    default:
      result.error = "reserved opcode";
  }
}

}  // namespace wshub::bench
