#pragma once
// Row-parallel loops for the CPU imaging paths. Each row is written by one worker only, so results
// do not depend on the number of threads (determinism, docs/conventions.md).
#include <algorithm>
#include <thread>
#include <vector>

namespace irsim::imaging {

// Threads to use: the hardware's, at least 1.
inline unsigned defaultThreadCount() { return std::max(1u, std::thread::hardware_concurrency()); }

// Runs body(row) for row = 0..rows-1 on up to `threads` workers (0 = hardware concurrency), rows
// interleaved. body must only write its own row.
template <class Body>
void forEachRow(int rows, Body&& body, unsigned threads = 0) {
    if (threads == 0) threads = defaultThreadCount();
    threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max(rows, 1)));
    if (threads <= 1) {
        for (int r = 0; r < rows; ++r) body(r);
        return;
    }
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (unsigned w = 0; w < threads; ++w) {
        workers.emplace_back([&, w] {
            // Interleaved rows balance the load: the middle rows of a patient cost the most.
            for (int r = static_cast<int>(w); r < rows; r += static_cast<int>(threads)) body(r);
        });
    }
    for (auto& t : workers) t.join();
}

}  // namespace irsim::imaging
