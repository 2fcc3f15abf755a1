//===- TerminalText.h - messages safe to print to a terminal ----*- C++ -*-===//
//
// Error messages quote names from the files they are about: ONNX node and
// tensor names, paths, `.cvm` identifiers. A hostile file can name a node
// with escape sequences that move the cursor, rewrite the line or retitle
// the window when printed; the tools print every message through
// printable(), which spells control characters out instead.
//
//===----------------------------------------------------------------------===//
#ifndef CVC_FILES_TERMINALTEXT_H
#define CVC_FILES_TERMINALTEXT_H

#include <cstdio>
#include <string>
#include <string_view>

namespace cvc::files {

/// `text` with C0 controls (but newline and tab), DEL and the C1 controls
/// of UTF-8 (U+0080 to U+009F, which some terminals obey as ESC [ etc.)
/// written as \xNN or \u00NN.
inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char escaped[8];
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                    static_cast<unsigned char>(text[i + 1]));
      out += escaped;
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

} // namespace cvc::files

#endif // CVC_FILES_TERMINALTEXT_H
