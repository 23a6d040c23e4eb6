#include "cli/show_table.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <sstream>

namespace hearth::cli {
namespace {

constexpr size_t kDefaultWidth = 30;  // tablewriter's MAX_ROW_WIDTH
constexpr size_t kTextWidth = 100;    // SetColWidth(100) for Template, System, License
constexpr size_t kMaxDpWords = 2000;  // beyond this, greedy breaking (bounded time and memory)
constexpr int64_t kPenalty = 100000;  // tablewriter's defaultPenalty

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

int RuneWidth(uint32_t cp) {
  if ((cp >= 0x300 && cp <= 0x36f) || cp == 0x200b) return 0;
  const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
                    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

std::string PadRight(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

}  // namespace

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = len == 1 ? b : (b & (0x7f >> len));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    w += static_cast<size_t>(RuneWidth(cp));
    i += len;
  }
  return w;
}

std::vector<std::string> WrapWords(const std::string& s, size_t limit) {
  std::string flat = s;
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  const std::vector<std::string> words = Split(flat, ' ');
  const size_t n = words.size();
  std::vector<int64_t> width(n);
  for (size_t i = 0; i < n; ++i) {
    width[i] = static_cast<int64_t>(DisplayWidth(words[i]));
    limit = std::max(limit, static_cast<size_t>(width[i]));
  }
  const auto lim = static_cast<int64_t>(limit);
  std::vector<size_t> brk(n, n);
  if (n <= kMaxDpWords) {
    // length(i, j): words i..j joined by single spaces.
    std::vector<int64_t> prefix(n + 1, 0);
    for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + width[i];
    auto length = [&](size_t i, size_t j) {
      return prefix[j + 1] - prefix[i] + static_cast<int64_t>(j - i);
    };
    std::vector<int64_t> cost(n, INT64_MAX);
    for (size_t i = n; i-- > 0;) {
      if (length(i, n - 1) <= lim) {
        cost[i] = 0;
        brk[i] = n;
        continue;
      }
      for (size_t j = i + 1; j < n; ++j) {
        const int64_t d = lim - length(i, j - 1);
        int64_t c = d * d + cost[j];
        if (length(i, j - 1) > lim) c += kPenalty;
        if (c < cost[i]) {
          cost[i] = c;
          brk[i] = j;
        }
      }
    }
  } else {
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      int64_t len = width[i];
      while (j < n && len + 1 + width[j] <= lim) len += 1 + width[j++];
      brk[i] = j;
      i = j;
    }
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; i = brk[i]) {
    std::string line;
    for (size_t k = i; k < brk[i]; ++k) line += (k > i ? " " : "") + words[k];
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string RenderShowSection(const std::string& header,
                              const std::vector<std::vector<std::string>>& rows) {
  const size_t max_width = (header == "Template" || header == "System" || header == "License")
                               ? kTextWidth
                               : kDefaultWidth;
  std::map<size_t, size_t> col_width;
  std::vector<std::vector<std::vector<std::string>>> cells;  // row -> column -> lines
  for (const auto& row : rows) {
    std::vector<std::vector<std::string>> out_row;
    for (size_t c = 0; c < row.size(); ++c) {
      size_t widest = 0;
      for (const std::string& l : Split(row[c], '\n')) widest = std::max(widest, DisplayWidth(l));
      widest = std::min(widest, max_width);
      // tablewriter reflows a cell's lines into one paragraph, then wraps it.
      std::vector<std::string> lines = WrapWords(row[c], widest);
      for (const std::string& l : lines) widest = std::max(widest, DisplayWidth(l));
      col_width[c] = std::max(col_width[c], widest);
      out_row.push_back(std::move(lines));
    }
    cells.push_back(std::move(out_row));
  }
  std::string out = "  " + header + "\n";
  for (auto& row : cells) {
    size_t height = 0;
    for (const auto& col : row) height = std::max(height, col.size());
    for (auto& col : row) col.resize(height, "  ");
    for (size_t x = 0; x < height; ++x) {
      for (size_t c = 0; c < row.size(); ++c) out += PadRight(row[c][x], col_width[c]) + "    ";
      out += "\n";
    }
  }
  return out + "\n";
}

namespace {

std::string TrimSpace(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n\v\f") - b + 1);
}

}  // namespace

std::vector<std::vector<std::string>> HeadRows(const std::string& s, size_t n) {
  std::vector<std::vector<std::string>> rows;
  size_t count = 0;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    line = TrimSpace(line);
    if (line.empty()) continue;
    if (++count <= n) rows.push_back({"", line});
  }
  if (count > n) rows.push_back({"", "..."});
  return rows;
}

std::vector<std::vector<std::string>> ParameterRows(const std::string& parameters) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(parameters);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<std::string> row = {""};
    std::istringstream words(line);
    for (std::string w; words >> w;) row.push_back(w);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace hearth::cli
