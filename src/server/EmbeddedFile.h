#pragma once
// Static files compiled into the binary (cmake/EmbedFiles.cmake): the admin page's HTML,
// script and style, served by wshub itself with nothing to install beside it.
#include <span>
#include <string_view>

namespace wshub::server {

struct EmbeddedFile {
  std::string_view name;  // path relative to its directory: "index.html"
  std::string_view data;  // the bytes, static storage
};

// web/admin/*, embedded at build time.
std::span<const EmbeddedFile> admin_assets();

// The file called `name`, or null.
const EmbeddedFile* find_embedded_file(std::span<const EmbeddedFile> files, std::string_view name);
// The Content-Type for a file name, by its extension ("application/octet-stream" when unknown).
std::string_view content_type_for(std::string_view name);

}  // namespace wshub::server
