#pragma once
// A symmetric positive definite banded matrix with an in-place Cholesky factorisation: the linear
// system of a rod, whose terms couple only neighbouring nodes, solves in O(n b^2) with b the
// half-bandwidth. Storage is row-major, the lower band of row i holding columns i-b..i in order,
// so the inner loop of the factorisation reads two contiguous rows.
#include <cmath>
#include <vector>

namespace irsim::physics {

class BandedSpd {
public:
    void reset(int n, int halfBandwidth) {
        n_ = n;
        b_ = halfBandwidth;
        w_ = b_ + 1;
        a_.assign(static_cast<size_t>(n_) * static_cast<size_t>(w_), 0.0);
    }
    int size() const { return n_; }
    // Adds v to (i, j) and, by symmetry, (j, i); |i - j| must be within the band.
    void add(int i, int j, double v) {
        if (j > i) std::swap(i, j);
        a_[index(i, j)] += v;
    }
    double at(int i, int j) const {
        if (j > i) std::swap(i, j);
        return i - j > b_ ? 0.0 : a_[index(i, j)];
    }
    // Factorises in place; false when the matrix is not positive definite. Each row's leading
    // zeros inside the band (its skyline: a rod's twist rows reach fewer columns back than its
    // position rows) stay zero in the factor, so the products over them, each exactly zero and
    // leaving the sum as it was, are skipped: the same factor, bit for bit, in less work.
    bool factor() {
        first_.resize(static_cast<size_t>(n_));
        for (int i = 0; i < n_; ++i) {
            const int j0 = i - b_ > 0 ? i - b_ : 0;
            const double* row = &a_[static_cast<size_t>(i) * static_cast<size_t>(w_)];
            int f = j0;
            while (f < i && row[b_ - i + f] == 0.0) ++f;
            first_[static_cast<size_t>(i)] = f;
        }
        for (int i = 0; i < n_; ++i) {
            const int j0 = first_[static_cast<size_t>(i)];
            double* rowI = &a_[static_cast<size_t>(i) * static_cast<size_t>(w_)];
            for (int j = j0; j <= i; ++j) {
                const double* rowJ = &a_[static_cast<size_t>(j) * static_cast<size_t>(w_)];
                double sum = rowI[b_ - i + j];
                const int jf = first_[static_cast<size_t>(j)];
                const int k0 = j0 > jf ? j0 : jf;
                for (int k = k0; k < j; ++k) sum -= rowI[b_ - i + k] * rowJ[b_ - j + k];
                if (j == i) {
                    if (!(sum > 0.0)) return false;
                    rowI[b_] = std::sqrt(sum);
                } else {
                    rowI[b_ - i + j] = sum / rowJ[b_];
                }
            }
        }
        return true;
    }
    // Solves L L^T x = rhs in place after factor().
    void solve(std::vector<double>& x) const {
        for (int i = 0; i < n_; ++i) {
            const int k0 = first_[static_cast<size_t>(i)];
            double sum = x[static_cast<size_t>(i)];
            for (int k = k0; k < i; ++k) sum -= a_[index(i, k)] * x[static_cast<size_t>(k)];
            x[static_cast<size_t>(i)] = sum / a_[index(i, i)];
        }
        for (int i = n_ - 1; i >= 0; --i) {
            const int k1 = i + b_ < n_ - 1 ? i + b_ : n_ - 1;
            double sum = x[static_cast<size_t>(i)];
            for (int k = i + 1; k <= k1; ++k) sum -= a_[index(k, i)] * x[static_cast<size_t>(k)];
            x[static_cast<size_t>(i)] = sum / a_[index(i, i)];
        }
    }

private:
    size_t index(int i, int j) const {
        return static_cast<size_t>(i) * static_cast<size_t>(w_) + static_cast<size_t>(b_ - i + j);
    }
    int n_ = 0, b_ = 0, w_ = 1;
    std::vector<double> a_;
    std::vector<int> first_;  // per row, its first column that is not zero (factor())
};

}  // namespace irsim::physics
