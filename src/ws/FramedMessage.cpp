#include "ws/FramedMessage.h"

#include <cstring>
#include <string>

#include "ws/Deflater.h"
#include "ws/FrameBuilder.h"

namespace wshub::ws {

namespace {
net::SharedBufferRef build_frame(Opcode opcode, std::span<const std::byte> payload, bool rsv1,
                                 uint8_t* header_size) {
  std::byte header[kMaxFrameHeaderSize];
  size_t n = write_frame_header(header, opcode, payload.size(), true, rsv1);
  net::SharedBufferRef frame = net::SharedBufferRef::adopt(net::SharedBuffer::create(n + payload.size()));
  std::memcpy(frame->data(), header, n);
  if (!payload.empty()) std::memcpy(frame->data() + n, payload.data(), payload.size());
  if (header_size) *header_size = static_cast<uint8_t>(n);
  return frame;
}
}  // namespace

FramedMessage::FramedMessage(Opcode opcode, std::span<const std::byte> payload) : opcode_(opcode) {
  frame_ = build_frame(opcode, payload, false, &header_size_);
}

std::span<const std::byte> FramedMessage::payload() const {
  return {frame_->data() + header_size_, frame_->size() - header_size_};
}

const net::SharedBufferRef& FramedMessage::frame_for_deflate(int window_bits, Deflater& deflater) {
  if (window_bits < 8 || window_bits > 15 || payload().size() < kMinCompressSize) return frame_;
  uint16_t bit = uint16_t(1) << window_bits;
  if (!(compressed_tried_ & bit)) {
    compressed_tried_ |= bit;
    std::string compressed;
    if (deflater.deflate(payload(), compressed) && compressed.size() < payload().size()) {
      compressed_[window_bits] =
          build_frame(opcode_, std::as_bytes(std::span(compressed.data(), compressed.size())), true, nullptr);
    }
  }
  return compressed_[window_bits] ? compressed_[window_bits] : frame_;
}

}  // namespace wshub::ws
