#include "ws/FrameBuilder.h"

#include <cassert>
#include <cstring>

#include "ws/Unmask.h"

namespace wshub::ws {

namespace {
constexpr size_t kMaxControlPayload = 125;
}

size_t write_frame_header(std::byte* out, Opcode opcode, uint64_t payload_len, bool fin, bool rsv1,
                          const std::array<std::byte, 4>* mask) {
  assert(payload_len < (uint64_t{1} << 63));
  out[0] = static_cast<std::byte>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | static_cast<uint8_t>(opcode));
  const std::byte mask_bit{static_cast<unsigned char>(mask ? 0x80 : 0)};
  size_t n;
  if (payload_len < 126) {
    out[1] = mask_bit | static_cast<std::byte>(payload_len);
    n = 2;
  } else if (payload_len <= 0xFFFF) {
    out[1] = mask_bit | std::byte{126};
    out[2] = static_cast<std::byte>(payload_len >> 8);
    out[3] = static_cast<std::byte>(payload_len);
    n = 4;
  } else {
    out[1] = mask_bit | std::byte{127};
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::byte>(payload_len >> (56 - 8 * i));
    n = 10;
  }
  if (mask) {
    std::memcpy(out + n, mask->data(), 4);
    n += 4;
  }
  return n;
}

void append_frame(std::string& out, Opcode opcode, std::span<const std::byte> payload, bool fin, bool rsv1,
                  const std::array<std::byte, 4>* mask) {
  std::byte header[kMaxFrameHeaderSize];
  const size_t header_size = write_frame_header(header, opcode, payload.size(), fin, rsv1, mask);
  const size_t start = out.size();
  out.resize(start + header_size + payload.size());
  auto* dst = reinterpret_cast<std::byte*>(out.data() + start);
  std::memcpy(dst, header, header_size);
  if (!payload.empty()) std::memcpy(dst + header_size, payload.data(), payload.size());
  if (mask) unmask(dst + header_size, payload.size(), *mask, 0);
}

std::string close_payload(uint16_t code, std::string_view reason) {
  size_t keep = std::min(reason.size(), kMaxControlPayload - 2);
  // Back up over continuation bytes (10xxxxxx) so the cut lands on a sequence start.
  if (keep < reason.size()) {
    while (keep > 0 && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  }
  std::string out;
  out.reserve(2 + keep);
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason.substr(0, keep));
  return out;
}

}  // namespace wshub::ws
