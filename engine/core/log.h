#pragma once
// Minimal leveled logging to stderr. The app may install a sink to show messages on screen.
#include <functional>
#include <string>

namespace irsim::log {

enum class Level { Debug, Info, Warning, Error };

using Sink = std::function<void(Level, const std::string&)>;
void setSink(Sink sink);  // nullptr restores stderr
void setMinLevel(Level level);

void write(Level level, const std::string& message);
inline void debug(const std::string& m) { write(Level::Debug, m); }
inline void info(const std::string& m) { write(Level::Info, m); }
inline void warning(const std::string& m) { write(Level::Warning, m); }
inline void error(const std::string& m) { write(Level::Error, m); }

}  // namespace irsim::log
