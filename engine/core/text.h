#pragma once
// Text for people: numbers in messages and reports, lists of names, the nearest name to a typo.
// One place, so every message writes numbers the same way.
#include <string>
#include <vector>

namespace irsim {

// printf-style formatting into a std::string.
std::string formatted(const char* format, ...) __attribute__((format(printf, 1, 2)));
// The shortest form that reads back to the value in messages ("%g"): 0.5, 120, 1e+12.
std::string formatNumber(double v);
// "a, b and c" (conjunction "and" or "or").
std::string joinWords(const std::vector<std::string>& words, const std::string& conjunction);
// The candidate nearest to `word` by edit distance when it is near enough to be a typo of it
// (at most a third of the word's letters differ), else "".
std::string closestWord(const std::string& word, const std::vector<std::string>& candidates);

// Where JSON text first nests arrays and objects deeper than `maxDepth` (0-based offset; brackets
// inside strings do not count), or std::string::npos. For checking before parsing: nlohmann's
// parser is iterative, but copying and destroying a value recurse once per level, so a
// 100,000-deep array overflows the stack.
size_t jsonNestingBeyond(const std::string& text, int maxDepth);

}  // namespace irsim
