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

}  // namespace irsim
