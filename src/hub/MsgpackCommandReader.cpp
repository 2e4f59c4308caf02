#include "hub/MsgpackCommandReader.h"

#include <span>

#include "hub/MsgpackReader.h"
#include "ws/Utf8Validator.h"

namespace wshub::hub {
namespace {

// Reads the fields of one command map; `level` containers enclose its keys and values.
// Returns false when the frame is malformed or too deep (set in `error`).
class ElementReader {
 public:
  ElementReader(MsgpackReader& reader, CommandFields& fields, size_t level, FrameError& error)
      : r_(reader), f_(fields), level_(level), error_(error) {}

  bool read(const MsgpackItem& map) {
    for (uint32_t i = 0; i < map.count; ++i) {
      MsgpackItem key;
      if (!next(key)) return false;
      const FieldName name = key.kind == MsgpackKind::str ? field_name(key.data) : FieldName::unknown;
      if (key.kind != MsgpackKind::str && !skip(key, level_)) return false;
      const size_t start = r_.position();
      MsgpackItem v;
      if (!next(v)) return false;
      if (!field(name, v, start)) return false;
    }
    return true;
  }

 private:
  bool field(FieldName name, const MsgpackItem& v, size_t start) {
    switch (name) {
      case FieldName::id:
        return uint(v, f_.id, level_);
      case FieldName::type:
        return string(v, f_.type, level_);
      case FieldName::token:
        return string(v, f_.token, level_);
      case FieldName::channel:
        return string(v, f_.channel, level_);
      case FieldName::message_type:
        return string(v, f_.message_type, level_);
      case FieldName::recover:
        return position(v, f_.recover);
      case FieldName::since:
        return position(v, f_.since);
      case FieldName::payload:
        return value(v, start, f_.payload);
      case FieldName::data:
        return value(v, start, f_.data);
      case FieldName::limit:
        return uint(v, f_.limit, level_);
      case FieldName::reverse:
        if (v.kind != MsgpackKind::boolean) return wrong_type(v, f_.reverse, level_);
        f_.reverse.set(v.boolean);
        return true;
      default:
        return skip(v, level_);
    }
  }

  bool next(MsgpackItem& item) {
    if (r_.read(item)) return true;
    error_ = FrameError::invalid_msgpack;
    return false;
  }

  // The rest of a value nobody reads, `level` containers deep.
  bool skip(const MsgpackItem& item, size_t level) {
    MsgpackFacts facts;
    return check(scan_msgpack_value(r_, item, kMaxFrameDepth - level, false, facts));
  }

  bool check(ScanResult result) {
    if (result == ScanResult::ok) return true;
    error_ = result == ScanResult::too_deep ? FrameError::too_deep : FrameError::invalid_msgpack;
    return false;
  }

  template <typename T>
  bool wrong_type(const MsgpackItem& v, Field<T>& out, size_t level) {
    out.set_problem(FieldState::wrong_type);
    return skip(v, level);
  }

  bool string(const MsgpackItem& v, Field<std::string_view>& out, size_t level) {
    if (v.kind != MsgpackKind::str) return wrong_type(v, out, level);
    if (ws::is_valid_utf8(std::as_bytes(std::span(v.data.data(), v.data.size())))) {
      out.set(v.data);
    } else {
      out.set_problem(FieldState::invalid_utf8);
    }
    return true;
  }

  bool uint(const MsgpackItem& v, Field<uint64_t>& out, size_t level) {
    if (v.kind != MsgpackKind::uint) return wrong_type(v, out, level);
    out.set(v.uint);
    return true;
  }

  bool position(const MsgpackItem& v, Field<PositionRead>& out) {
    if (v.kind != MsgpackKind::map) return wrong_type(v, out, level_);
    PositionRead p;
    const size_t inner = level_ + 1;
    for (uint32_t i = 0; i < v.count; ++i) {
      MsgpackItem key, item;
      if (!next(key)) return false;
      const FieldName name = key.kind == MsgpackKind::str ? field_name(key.data) : FieldName::unknown;
      if (key.kind != MsgpackKind::str && !skip(key, inner)) return false;
      if (!next(item)) return false;
      bool ok;
      if (name == FieldName::offset) {
        ok = uint(item, p.offset, inner);
      } else if (name == FieldName::epoch) {
        ok = string(item, p.epoch, inner);
      } else {
        ok = skip(item, inner);
      }
      if (!ok) return false;
    }
    out.set(p);
    return true;
  }

  bool value(const MsgpackItem& v, size_t start, Field<ValueRead>& out) {
    MsgpackFacts facts;
    if (!check(scan_msgpack_value(r_, v, kMaxFrameDepth - level_, true, facts))) return false;
    ValueRead read;
    read.bytes = r_.input().substr(start, r_.position() - start);
    read.depth = facts.depth;
    read.invalid_utf8 = facts.invalid_utf8;
    read.non_finite = facts.non_finite;
    out.set(read);
    return true;
  }

  MsgpackReader& r_;
  CommandFields& f_;
  size_t level_;
  FrameError& error_;
};

bool read_element(MsgpackReader& reader, const MsgpackItem& map, size_t level, CommandBatch& batch,
                  FrameError& error) {
  CommandFields fields;
  if (!ElementReader(reader, fields, level + 1, error).read(map)) return false;
  batch.add(fields);
  return true;
}

bool skip(MsgpackReader& reader, const MsgpackItem& item, size_t level, FrameError& error) {
  MsgpackFacts facts;
  const ScanResult r = scan_msgpack_value(reader, item, kMaxFrameDepth - level, false, facts);
  if (r == ScanResult::ok) return true;
  error = r == ScanResult::too_deep ? FrameError::too_deep : FrameError::invalid_msgpack;
  return false;
}

}  // namespace

FrameError read_msgpack_commands(std::string_view frame, CommandBatch& batch) {
  MsgpackReader reader(frame);
  MsgpackItem root;
  if (!reader.read(root)) return FrameError::invalid_msgpack;
  FrameError error = FrameError::none;
  if (root.kind == MsgpackKind::map) {
    if (!read_element(reader, root, 0, batch, error)) return error;
  } else if (root.kind == MsgpackKind::array) {
    for (uint32_t i = 0; i < root.count; ++i) {
      MsgpackItem item;
      if (!reader.read(item)) return FrameError::invalid_msgpack;
      bool ok;
      if (!batch.wants_element()) {
        ok = skip(reader, item, 1, error);
      } else if (item.kind == MsgpackKind::map) {
        ok = read_element(reader, item, 1, batch, error);
      } else {
        batch.add_not_object();
        ok = skip(reader, item, 1, error);
      }
      if (!ok) return error;
    }
  } else {
    return FrameError::not_object_or_array;
  }
  return reader.at_end() ? FrameError::none : FrameError::invalid_msgpack;  // trailing bytes
}

}  // namespace wshub::hub
