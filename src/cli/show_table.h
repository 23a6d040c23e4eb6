#pragma once
// The sections of `ollama show`, byte for byte: Ollama renders each with olekukonko/tablewriter
// v0.0.5 (no borders, no whitespace mode, left-aligned, 4-space padding after every cell, words
// wrapped to 30 columns, or 100 for Template/System/License, with tablewriter's minimum-
// raggedness line breaking). Pure functions; thread-safe.

#include <string>
#include <vector>

namespace hearth::cli {

// "  <header>\n", the rendered rows, then an empty line. Rows may have different cell counts.
std::string RenderShowSection(const std::string& header,
                              const std::vector<std::vector<std::string>>& rows);

// Rows ("", line) of the first `n` non-empty trimmed lines of `s`, then ("", "...") when there
// are more (the System and License sections).
std::vector<std::vector<std::string>> HeadRows(const std::string& s, size_t n);

// Rows of the Parameters section: "" then the whitespace-separated fields of each non-empty line
// of `show --parameters` text.
std::vector<std::vector<std::string>> ParameterRows(const std::string& parameters);

// tablewriter's WrapString: splits `s` on single spaces and breaks it into lines of at most
// `limit` display columns (more when one word is longer) with minimal raggedness.
std::vector<std::string> WrapWords(const std::string& s, size_t limit);

// Display columns of `s` (go-runewidth's rules, approximated: wide East Asian characters count
// 2, combining marks 0).
size_t DisplayWidth(const std::string& s);

}  // namespace hearth::cli
