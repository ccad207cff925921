#include "physics/coaxial_rod.h"

#include <algorithm>
#include <cmath>

namespace irsim::physics {

namespace {

using glm::dvec3;
using glm::dmat3;

int deviceCount(const CoaxialRodModel& m) { return static_cast<int>(m.devices.size()); }

// Integral of a device's rest curvature over [a, b] mm from its tip: the rest turning angle of a
// joint whose Voronoi region covers that stretch (exact for the piecewise-constant curvature).
double restTurning(const EndovascularDevice& d, double a, double b) {
    double total = 0.0, lo = 0.0;
    for (auto it = d.tipShape.rbegin(); it != d.tipShape.rend(); ++it) {
        const double hi = lo + it->lengthMm;
        const double overlap = std::min(b, hi) - std::max(a, lo);
        if (overlap > 0.0 && it->radiusMm > 0.0) total += overlap * (it->angleDeg >= 0.0 ? 1.0 : -1.0) / it->radiusMm;
        lo = hi;
    }
    return total;
}

// Rotates u by the rotation taking unit a to unit b (parallel transport along a bent rod).
dvec3 transport(const dvec3& u, const dvec3& a, const dvec3& b) {
    const double c = glm::dot(a, b);
    if (c < -1.0 + 1e-9) return u;
    const dvec3 k = glm::cross(a, b);
    const dvec3 r = c * u + glm::cross(k, u) + k * (glm::dot(k, u) / (1.0 + c));
    return glm::normalize(r - glm::dot(r, b) * b);
}

dvec3 unitOr(const dvec3& v, const dvec3& fallback) {
    const double l = glm::length(v);
    return l > 1e-12 ? v / l : fallback;
}

// Accumulates the step's incremental potential: w/2 |C|^2 per term, and, unless only the energy is
// wanted (the line search), its Gauss-Newton linearisation H += w J^T J, rhs -= w J^T C. J is
// rows x m, row-major; dof[a] < 0 marks a fixed coordinate.
struct Assembler {
    BandedSpd* H = nullptr;
    std::vector<double>* rhs = nullptr;
    bool energyOnly = false;
    double energy = 0.0;

    void term(const int* dof, const double* J, const double* C, int rows, int m, double w) {
        double c2 = 0.0;
        for (int r = 0; r < rows; ++r) c2 += C[r] * C[r];
        energy += 0.5 * w * c2;
        if (energyOnly) return;
        for (int a = 0; a < m; ++a) {
            if (dof[a] < 0) continue;
            double g = 0.0;
            for (int r = 0; r < rows; ++r) g += J[r * m + a] * C[r];
            (*rhs)[static_cast<size_t>(dof[a])] -= w * g;
            for (int b = 0; b <= a; ++b) {
                if (dof[b] < 0) continue;
                double h = 0.0;
                for (int r = 0; r < rows; ++r) h += J[r * m + a] * J[r * m + b];
                H->add(dof[a], dof[b], w * h);
            }
        }
    }
    void diagonal(int dof, double v) {
        if (!energyOnly) H->add(dof, dof, v);
    }
};

struct Layout {
    int n;  // free nodes 1..n
    int D;  // devices
    int B;  // block size
    int pos(int node, int c) const { return node >= 1 ? (node - 1) * B + c : -1; }
    int twist(int edge, int k) const { return edge * B + 3 + k; }
};

// Resizes the rod to arc length L, follow-the-leader: the existing shape stays, the tip edge
// grows or shrinks along its own direction, new nodes every segmentMm.
int setLength(const CoaxialRodModel& model, CoaxialRodState& s, double L) {
    const double h = model.options.segmentMm;
    const int D = deviceCount(model);
    const int nOld = static_cast<int>(s.nodes.size()) - 1;
    // The tip edge is 0.25 to 1.25 segments long: never so short that its direction is ill-defined.
    const int nNew = L > 1e-9 ? std::max(1, static_cast<int>(std::ceil(L / h - 0.25))) : 0;
    const dvec3 d = model.options.accessDirection;
    int firstPlaced = static_cast<int>(s.nodes.size());
    if (L == s.lengthMm && nNew == nOld) return firstPlaced;  // hands still: nothing is placed
    if (nNew == 0) {
        s.nodes.resize(1);
    } else {
        const int base = std::min(nOld, nNew) - 1;  // last node whose arc position stays
        dvec3 from, dir;
        if (base < 0) {
            from = s.nodes[0];
            dir = d;
        } else {
            from = s.nodes[static_cast<size_t>(base)];
            dir = unitOr(s.nodes[static_cast<size_t>(base) + 1] - from, d);
        }
        const int b0 = std::max(base, 0);
        const double arcFrom = b0 * h;
        s.nodes.resize(static_cast<size_t>(nNew) + 1);
        for (int i = b0 + 1; i <= nNew; ++i) s.nodes[static_cast<size_t>(i)] = from + ((i == nNew ? L : i * h) - arcFrom) * dir;
        firstPlaced = b0 + 1;
    }
    const size_t nodes = s.nodes.size();
    // New nodes start at rest where they are placed, in the segment of the node before them.
    const size_t oldNodes = s.previous.size();
    s.previous.resize(nodes);
    s.segment.resize(nodes, s.segment.empty() ? -1 : s.segment.back());
    for (size_t i = std::min(oldNodes, nodes); i < nodes; ++i) {
        s.previous[i] = s.nodes[i];
        s.segment[i] = s.segment[i - 1];
    }
    s.wallForceN.resize(nodes, 0.0);
    s.externalForceN.resize(nodes, dvec3(0.0));
    const size_t edges = nodes - 1;
    const size_t oldEdges = s.twist.size() / static_cast<size_t>(std::max(D, 1));
    s.twist.resize(edges * static_cast<size_t>(D));
    s.twistPrevious.resize(edges * static_cast<size_t>(D));
    for (size_t j = oldEdges; j < edges; ++j)
        for (int k = 0; k < D; ++k) {
            const double v = j > 0 ? s.twist[(j - 1) * static_cast<size_t>(D) + static_cast<size_t>(k)]
                                   : s.hubAngleRad[static_cast<size_t>(k)];
            s.twist[j * static_cast<size_t>(D) + static_cast<size_t>(k)] = v;
            s.twistPrevious[j * static_cast<size_t>(D) + static_cast<size_t>(k)] = v;
        }
    s.lengthMm = L;
    return firstPlaced;
}

// Tangents, lengths and the space-parallel reference frame of every edge; index j + 1 is edge j,
// index 0 the sheath (the clamp).
void computeFrames(const CoaxialRodModel& model, CoaxialRodState& s) {
    auto& w = s.scratch;
    const int n = static_cast<int>(s.nodes.size()) - 1;
    w.tangent.resize(static_cast<size_t>(n) + 1);
    w.refU.resize(static_cast<size_t>(n) + 1);
    w.refV.resize(static_cast<size_t>(n) + 1);
    w.edgeLength.resize(static_cast<size_t>(n) + 1);
    const dvec3 d = model.options.accessDirection;
    w.tangent[0] = d;
    w.edgeLength[0] = model.options.segmentMm;
    w.refU[0] = glm::normalize(model.options.referenceNormal - glm::dot(model.options.referenceNormal, d) * d);
    w.refV[0] = glm::cross(d, w.refU[0]);
    for (int j = 0; j < n; ++j) {
        const dvec3 e = s.nodes[static_cast<size_t>(j) + 1] - s.nodes[static_cast<size_t>(j)];
        const size_t q = static_cast<size_t>(j) + 1;
        w.edgeLength[q] = std::max(glm::length(e), 1e-9);
        w.tangent[q] = e / w.edgeLength[q];
        w.refU[q] = transport(w.refU[q - 1], w.tangent[q - 1], w.tangent[q]);
        w.refV[q] = glm::cross(w.tangent[q], w.refU[q]);
    }
}

// Which device is outermost at each node and the rod's contact radius there.
void computeOutermost(const CoaxialRodModel& model, CoaxialRodState& s) {
    auto& w = s.scratch;
    const size_t nodes = s.nodes.size();
    w.outermost.resize(nodes);
    w.radius.resize(nodes);
    for (size_t i = 0; i < nodes; ++i) {
        const double arc = nodeArcMm(model, s, static_cast<int>(i));
        int k = deviceCount(model) - 1;
        for (int q = 0; q < deviceCount(model); ++q)
            if (s.insertedMm[static_cast<size_t>(q)] >= arc - 1e-9) {
                k = q;
                break;
            }
        w.outermost[i] = k;
        w.radius[i] = 0.5 * model.devices[static_cast<size_t>(k)].outerDiameterMm;
    }
}

// One Gauss-Newton iteration. Returns how many nodes ended it on the wrong side of their contact
// assumption (free but now in the wall, or held by the wall but now pulled off it): the contacts
// are linearised at the iteration's start, so the step is solved again with the new ones.
// The incremental potential of the step at the current positions and twists, and its
// linearisation into the assembler unless it only wants the energy.
void assemble(const CoaxialRodModel& model, CoaxialRodState& s, Assembler& A) {
    const CoaxialRodOptions& o = model.options;
    auto& w = s.scratch;
    const int n = static_cast<int>(s.nodes.size()) - 1;
    const int D = deviceCount(model);
    const Layout lay{n, D, 3 + D};
    const double h = o.segmentMm, dt = o.timeStepS;
    computeFrames(model, s);
    auto restLength = [&](int j) { return j < 0 ? 0.0 : (j == n - 1 ? s.lengthMm - j * h : h); };

    // Stretch (E*A of every device on the edge).
    for (int j = 0; j < n; ++j) {
        const double EA = w.edgeEA[static_cast<size_t>(j)];
        if (EA <= 0.0) continue;
        const dvec3 t = w.tangent[static_cast<size_t>(j) + 1];
        const double C = w.edgeLength[static_cast<size_t>(j) + 1] - restLength(j);
        const int dof[6] = {lay.pos(j + 1, 0), lay.pos(j + 1, 1), lay.pos(j + 1, 2), lay.pos(j, 0), lay.pos(j, 1), lay.pos(j, 2)};
        const double J[6] = {t.x, t.y, t.z, -t.x, -t.y, -t.z};
        A.term(dof, J, &C, 1, 6, EA / restLength(j));
    }

    // Bending toward each device's rest turning, in its material frame (twist of the edge before).
    // The line search wants only the energy: no Jacobians then.
    for (int i = 0; i < n; ++i) {
        const double lbar = 0.5 * (restLength(i - 1) + restLength(i));  // at the clamp only the free side counts
        const size_t qa = static_cast<size_t>(i) + 1, qb = static_cast<size_t>(i);
        const dvec3 ta = w.tangent[qa], tb = w.tangent[qb];
        dmat3 Pa(0.0), Pb(0.0);
        if (!A.energyOnly) {
            Pa = (dmat3(1.0) - glm::outerProduct(ta, ta)) / w.edgeLength[qa];
            Pb = (dmat3(1.0) - glm::outerProduct(tb, tb)) / w.edgeLength[qb];
        }
        for (int k = 0; k < D; ++k) {
            const size_t jk = static_cast<size_t>(i * D + k);
            const double EI = w.jointEI[jk];
            if (EI <= 0.0) continue;
            const int jt = std::max(i - 1, 0);
            const double th = s.twist[static_cast<size_t>(jt * D + k)];
            const double cth = std::cos(th), sth = std::sin(th);
            const dvec3 m2 = cth * w.refU[qb] + sth * w.refV[qb];
            const double ca = w.jointCos[jk], sa = w.jointSin[jk];
            const dvec3 C3 = ta - (ca * tb + sa * m2);
            if (A.energyOnly) {
                A.energy += 0.5 * (EI / lbar) * (C3.x * C3.x + C3.y * C3.y + C3.z * C3.z);
                continue;
            }
            const dvec3 dm2 = -sth * w.refU[qb] + cth * w.refV[qb];
            const dmat3 turn = ca * dmat3(1.0) - sa * glm::outerProduct(m2, tb);  // glm: outerProduct(c, r) = c r^T
            const dmat3 Jn = Pa, Jm = -Pa - turn * Pb, Jp = turn * Pb;
            const dvec3 Jt = -sa * dm2;
            int dof[10];
            double J[30];
            for (int c = 0; c < 3; ++c) {
                dof[c] = lay.pos(i + 1, c);
                dof[3 + c] = lay.pos(i, c);
                dof[6 + c] = lay.pos(i - 1, c);
            }
            dof[9] = lay.twist(jt, k);
            for (int r = 0; r < 3; ++r) {
                for (int c = 0; c < 3; ++c) {
                    J[r * 10 + c] = Jn[c][r];  // glm is column-major: m[col][row]
                    J[r * 10 + 3 + c] = Jm[c][r];
                    J[r * 10 + 6 + c] = Jp[c][r];
                }
                J[r * 10 + 9] = Jt[r];
            }
            const double C[3] = {C3.x, C3.y, C3.z};
            A.term(dof, J, C, 3, 10, EI / lbar);
        }
    }

    // Twist: edge to edge, and from the hub through the length outside the patient.
    for (int k = 0; k < D; ++k) {
        for (int j = 0; j < n; ++j) {
            const int dof = lay.twist(j, k);
            const double k_t = w.edgeTwistStiffness[static_cast<size_t>(j * D + k)];
            if (k_t <= 0.0) {
                A.diagonal(dof, 1.0);  // no material here: the angle is pinned
                continue;
            }
            A.diagonal(dof, 1e-9);
            if (j == 0) {
                const double C = s.twist[static_cast<size_t>(k)] - s.hubAngleRad[static_cast<size_t>(k)];
                const double Jh = 1.0;
                A.term(&dof, &Jh, &C, 1, 1, k_t);
            } else {
                const int dofs[2] = {dof, lay.twist(j - 1, k)};
                const double Jt[2] = {1.0, -1.0};
                const double C = s.twist[static_cast<size_t>(j * D + k)] - s.twist[static_cast<size_t>((j - 1) * D + k)];
                A.term(dofs, Jt, &C, 1, 2, k_t);
            }
        }
    }

    // Inertia, damping, wall contact and friction, external loads: per node.
    for (int i = 1; i <= n; ++i) {
        const size_t q = static_cast<size_t>(i);
        const double inertia = w.nodeInertia[q], damping = w.nodeDamping[q];
        // Backward Euler about the start of the step: `moved` is the last step's motion, `disp`
        // this step's so far.
        const dvec3 moved = w.start[q] - s.previous[q];
        const dvec3 disp = s.nodes[q] - w.start[q];
        const int dof[3] = {lay.pos(i, 0), lay.pos(i, 1), lay.pos(i, 2)};
        const dvec3 lag = disp - moved;
        const double Jx[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        A.term(dof, &Jx[0][0], &lag.x, 3, 3, inertia);
        A.term(dof, &Jx[0][0], &disp.x, 3, 3, damping + 1e-9);
        A.energy -= glm::dot(s.externalForceN[q], disp);
        if (!A.energyOnly)
            for (int c = 0; c < 3; ++c) (*A.rhs)[static_cast<size_t>(dof[c])] += s.externalForceN[q][c];
        // Coulomb friction, regularised below the stiction speed, on the step's starting contact.
        if (w.frictionNs[q] > 0.0) {
            const dvec3 nrm = w.frictionNormal[q];
            const dvec3 slid = disp - glm::dot(disp, nrm) * nrm;
            const dmat3 T = dmat3(1.0) - glm::outerProduct(nrm, nrm);
            const double J[9] = {T[0][0], T[1][0], T[2][0], T[0][1], T[1][1], T[2][1], T[0][2], T[1][2], T[2][2]};
            A.term(dof, J, &slid.x, 3, 3, w.frictionNs[q] / dt);
            const int outer = w.outermost[q];
            const int tdof = lay.twist(i - 1, outer);
            const size_t ti = static_cast<size_t>((i - 1) * D + outer);
            const double turned = s.twist[ti] - w.startTwist[ti];
            const double one = 1.0;
            A.term(&tdof, &one, &turned, 1, 1, w.frictionTwist[q] / dt);
        }
        if (!model.lumen) continue;
        // Most nodes are clear of the wall: their depth alone says so.
        if (model.lumen->penetration(s.segment[q], s.nodes[q], w.radius[q]) <= 0.0) continue;
        const LumenContact c = model.lumen->contact(s.segment[q], s.nodes[q], w.radius[q]);
        if (!A.energyOnly) w.active[q] = 1;
        A.term(dof, &c.normal.x, &c.penetrationMm, 1, 3, o.wallStiffnessNPerMm);
    }
}

// The step's material properties along the rod (they change only as devices slide): per edge
// E*A and, per device, the torsional spring G*J / length (the hub's through the length outside
// the patient); per joint and device E*I (springs in series over the joint's region) and the
// rest turning; per node the inertia and drag of backward Euler. 0 where a device is absent.
void prepareProperties(const CoaxialRodModel& model, CoaxialRodState& s) {
    auto& w = s.scratch;
    const CoaxialRodOptions& o = model.options;
    const int n = static_cast<int>(s.nodes.size()) - 1;
    const int D = deviceCount(model);
    const double h = o.segmentMm, dt = o.timeStepS;
    auto restLength = [&](int j) { return j < 0 ? 0.0 : (j == n - 1 ? s.lengthMm - j * h : h); };
    auto arc = [&](int i) { return nodeArcMm(model, s, i); };
    const size_t nd = static_cast<size_t>(n) * static_cast<size_t>(D);
    w.edgeEA.assign(static_cast<size_t>(n), 0.0);
    w.edgeTwistStiffness.assign(nd, 0.0);
    w.jointEI.assign(nd, 0.0);
    w.jointCos.assign(nd, 1.0);
    w.jointSin.assign(nd, 0.0);
    w.nodeInertia.assign(static_cast<size_t>(n) + 1, 0.0);
    w.nodeDamping.assign(static_cast<size_t>(n) + 1, 0.0);
    for (int k = 0; k < D; ++k) {
        const EndovascularDevice& dev = model.devices[static_cast<size_t>(k)];
        const double ell = s.insertedMm[static_cast<size_t>(k)];
        for (int j = 0; j < n; ++j) {
            const size_t jk = static_cast<size_t>(j * D + k);
            const double lPrev = restLength(j - 1), lNext = restLength(j);
            const double mid = arc(j) + 0.5 * lNext;
            if (ell > mid + 1e-9) {
                w.edgeEA[static_cast<size_t>(j)] += dev.axialStiffnessAt(ell - mid);
                w.edgeTwistStiffness[jk] = j == 0 ? dev.torsionalStiffnessAt(ell) / std::max(dev.lengthMm - ell, 10.0)
                                                  : dev.torsionalStiffnessAt(ell - arc(j)) / (0.5 * (lPrev + lNext));
            }
            const double fromTip = ell - arc(j);
            if (fromTip <= 1e-9) continue;
            double compliance = 0.0;
            const double a0 = std::max(fromTip - 0.5 * lNext, 0.0), a1 = fromTip + 0.5 * lPrev;
            for (int q = 0; q < 4; ++q) compliance += 0.25 / dev.bendingStiffnessAt(a0 + (a1 - a0) * (q + 0.5) / 4.0);
            w.jointEI[jk] = 1.0 / compliance;
            const double alpha = restTurning(dev, a0, a1);
            w.jointCos[jk] = std::cos(alpha);
            w.jointSin[jk] = std::sin(alpha);
        }
        for (int i = 1; i <= n; ++i)
            if (ell >= arc(i) - 1e-9) {
                const double lbar = 0.5 * (restLength(i - 1) + (i < n ? restLength(i) : 0.0));
                w.nodeInertia[static_cast<size_t>(i)] += dev.linearDensityAt(ell - arc(i)) * lbar * 1e-3 / (dt * dt);  // N/mm
            }
    }
    for (int i = 1; i <= n; ++i) {
        const double lbar = 0.5 * (restLength(i - 1) + (i < n ? restLength(i) : 0.0));
        w.nodeDamping[static_cast<size_t>(i)] = o.dampingNsPerMm2 * lbar / dt;
    }
}

// Friction coefficients of the step from the contacts at its start (Coulomb, linear below the
// stiction speed): N s/mm against sliding, N mm s/rad against turning.
void prepareFriction(const CoaxialRodModel& model, CoaxialRodState& s) {
    auto& w = s.scratch;
    const size_t nodes = s.nodes.size();
    const int D = deviceCount(model);
    const double dt = model.options.timeStepS, vs = model.options.stictionSpeedMmPerS;
    computeOutermost(model, s);
    w.frictionNs.assign(nodes, 0.0);
    w.frictionTwist.assign(nodes, 0.0);
    w.frictionNormal.assign(nodes, dvec3(0.0));
    if (!model.lumen) return;
    for (size_t q = 1; q < nodes; ++q) {
        if (model.lumen->penetration(s.segment[q], s.nodes[q], w.radius[q]) <= 0.0) continue;
        const LumenContact c = model.lumen->contact(s.segment[q], s.nodes[q], w.radius[q]);
        const int outer = w.outermost[q];
        const double muN = model.devices[static_cast<size_t>(outer)].coating.wallFriction * model.options.wallStiffnessNPerMm *
                           std::min(c.penetrationMm, model.options.wallGuardMm);
        const dvec3 v = (s.nodes[q] - s.previous[q]) / dt;
        const dvec3 vt = v - glm::dot(v, c.normal) * c.normal;
        w.frictionNormal[q] = c.normal;
        w.frictionNs[q] = muN / std::max(glm::length(vt), vs);
        const double r = w.radius[q];
        const size_t ti = (q - 1) * static_cast<size_t>(D) + static_cast<size_t>(outer);
        const double omega = ti < s.twistPrevious.size() ? (s.twist[ti] - s.twistPrevious[ti]) / dt : 0.0;
        w.frictionTwist[q] = muN * r / std::max(std::abs(omega), vs / r);
    }
}

// One Gauss-Newton iteration with a backtracking line search on the incremental potential (so a
// step never raises it: no overshoot, no ringing). Returns how many nodes ended it on the wrong
// side of their contact assumption (free but now in the wall, or held but pulled off it): the
// contacts are linearised at the iteration's start, so the step is then solved again.
int solveOnce(const CoaxialRodModel& model, CoaxialRodState& s) {
    auto& w = s.scratch;
    const int n = static_cast<int>(s.nodes.size()) - 1;
    const int D = deviceCount(model);
    const Layout lay{n, D, 3 + D};
    const int N = n * lay.B;
    // A joint couples x(i-1), x(i), x(i+1) and the twist of edge i-1: blocks i-2 to i, positions
    // first in each block, so no entry lies further than 2B + 2 from the diagonal.
    w.matrix.reset(N, 2 * lay.B + 2);
    w.rhs.assign(static_cast<size_t>(N), 0.0);
    w.active.assign(static_cast<size_t>(n) + 1, 0);
    Assembler A{&w.matrix, &w.rhs, false, 0.0};
    assemble(model, s, A);
    const double e0 = A.energy;
    if (!w.matrix.factor()) {
        s.solverFailed = true;
        return 0;
    }
    w.matrix.solve(w.rhs);
    w.lineStartNodes = s.nodes;
    w.lineStartTwist = s.twist;
    double beta = 1.0;
    for (int tries = 0; tries < 12; ++tries, beta *= 0.5) {
        for (int i = 1; i <= n; ++i)
            for (int c = 0; c < 3; ++c)
                s.nodes[static_cast<size_t>(i)][c] =
                    w.lineStartNodes[static_cast<size_t>(i)][c] + beta * w.rhs[static_cast<size_t>(lay.pos(i, c))];
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < D; ++k)
                s.twist[static_cast<size_t>(j * D + k)] =
                    w.lineStartTwist[static_cast<size_t>(j * D + k)] + beta * w.rhs[static_cast<size_t>(lay.twist(j, k))];
        Assembler E{nullptr, nullptr, true, 0.0};
        assemble(model, s, E);
        if (E.energy <= e0 + 1e-12 * std::abs(e0)) break;
    }
    if (!model.lumen) return 0;
    int wrong = 0;
    const double tolerance = 0.01;  // mm
    for (int i = 1; i <= n; ++i) {
        const size_t q = static_cast<size_t>(i);
        s.segment[q] = model.lumen->track(s.segment[q], s.nodes[q], w.radius[q]);
        const double pen = model.lumen->penetration(s.segment[q], s.nodes[q], w.radius[q]);
        if ((!w.active[q] && pen > tolerance) || (w.active[q] && pen < -tolerance)) ++wrong;
    }
    return wrong;
}

}  // namespace

double nodeArcMm(const CoaxialRodModel& model, const CoaxialRodState& state, int i) {
    return i + 1 >= static_cast<int>(state.nodes.size()) ? state.lengthMm : i * model.options.segmentMm;
}

int tipEdgeOf(const CoaxialRodModel& model, const CoaxialRodState& state, int device) {
    const int n = static_cast<int>(state.nodes.size()) - 1;
    const double ell = state.insertedMm[static_cast<size_t>(device)];
    return std::clamp(static_cast<int>(std::floor((ell - 1e-9) / model.options.segmentMm)), 0, std::max(n - 1, 0));
}

double tipTwistRad(const CoaxialRodModel& model, const CoaxialRodState& state, int device) {
    if (state.nodes.size() < 2) return state.hubAngleRad[static_cast<size_t>(device)];
    const int j = tipEdgeOf(model, state, device);
    return state.twist[static_cast<size_t>(j) * model.devices.size() + static_cast<size_t>(device)];
}

CoaxialRodState makeCoaxialRod(const CoaxialRodModel& model, const std::vector<double>& insertedMm) {
    CoaxialRodState s;
    const size_t D = model.devices.size();
    s.insertedMm.assign(D, 0.0);
    for (size_t k = 0; k < D && k < insertedMm.size(); ++k) s.insertedMm[k] = insertedMm[k];
    s.hubAngleRad.assign(D, 0.0);
    s.hubForceN.assign(D, 0.0);
    s.nodes = {model.options.accessPoint};
    s.previous = s.nodes;
    int seg = model.accessSegment;
    const double r0 = D ? 0.5 * model.devices[0].outerDiameterMm : 0.0;
    if (model.lumen && seg < 0) seg = model.lumen->locate(model.options.accessPoint, r0);
    s.segment = {seg};
    s.wallForceN = {0.0};
    s.externalForceN = {dvec3(0.0)};
    double L = 0.0;
    for (double l : s.insertedMm) L = std::max(L, l);
    setLength(model, s, L);
    if (model.lumen)
        for (size_t i = 1; i < s.nodes.size(); ++i)
            s.segment[i] = model.lumen->track(s.segment[i - 1], s.nodes[i], r0);
    return s;
}

void stepCoaxialRod(const CoaxialRodModel& model, CoaxialRodState& s, const std::vector<HubMotion>& hands) {
    const CoaxialRodOptions& o = model.options;
    const double dt = o.timeStepS;
    const int D = deviceCount(model);

    // The hands: insertion within the device's length, hub angles.
    double L = 0.0;
    for (int k = 0; k < D; ++k) {
        const size_t q = static_cast<size_t>(k);
        const HubMotion m = q < hands.size() ? hands[q] : HubMotion{};
        s.insertedMm[q] = std::clamp(s.insertedMm[q] + m.pushMmPerS * dt, 0.0, model.devices[q].lengthMm - 1.0);
        s.hubAngleRad[q] += m.turnRadPerS * dt;
        L = std::max(L, s.insertedMm[q]);
    }
    const int placed = setLength(model, s, L);
    // A tip advanced into the wall slides along it (a floppy tip deflects; a stiff one is stopped
    // by the solve): the placed nodes start on the free lumen.
    if (model.lumen) {
        for (size_t i = static_cast<size_t>(std::max(placed, 1)); i < s.nodes.size(); ++i) {
            const double r = 0.5 * model.devices[static_cast<size_t>(deviceCount(model) - 1)].outerDiameterMm;
            s.segment[i] = model.lumen->track(s.segment[i], s.nodes[i], r);
            const LumenContact c = model.lumen->contact(s.segment[i], s.nodes[i], r);
            if (c.penetrationMm > 0.0) s.nodes[i] -= c.penetrationMm * c.normal;
        }
    }
    if (s.nodes.size() < 2) {
        s.previous = s.nodes;
        ++s.steps;
        return;
    }
    // `previous` still holds the start of the last step (its motion drives inertia and friction);
    // after the solve it becomes the start of this one.
    s.scratch.start = s.nodes;
    s.scratch.startTwist = s.twist;
    prepareProperties(model, s);
    prepareFriction(model, s);
    for (int it = 0; it < std::max(o.maxIterations, 1); ++it)
        if (solveOnce(model, s) == 0 && it + 1 >= o.iterations) break;
    s.previous = s.scratch.start;
    s.twistPrevious = s.scratch.startTwist;

    // Track each node through the tree, guard against anything that left the lumen, and record
    // the wall's force on each node.
    computeOutermost(model, s);
    std::fill(s.hubForceN.begin(), s.hubForceN.end(), 0.0);
    for (size_t i = 1; i < s.nodes.size(); ++i) {
        s.wallForceN[i] = 0.0;
        if (!model.lumen) continue;
        const double r = s.scratch.radius[i];
        if (model.lumen->penetration(s.segment[i], s.nodes[i], r) <= 0.0) continue;
        const LumenContact c = model.lumen->contact(s.segment[i], s.nodes[i], r);
        s.wallForceN[i] = o.wallStiffnessNPerMm * std::min(c.penetrationMm, o.wallGuardMm);
        if (c.penetrationMm > o.wallGuardMm) s.nodes[i] -= (c.penetrationMm - o.wallGuardMm) * c.normal;
        const int outer = s.scratch.outermost[i];
        const double push = static_cast<size_t>(outer) < hands.size() ? hands[static_cast<size_t>(outer)].pushMmPerS : 0.0;
        if (push != 0.0)
            s.hubForceN[static_cast<size_t>(outer)] +=
                (push > 0.0 ? 1.0 : -1.0) * model.devices[static_cast<size_t>(outer)].coating.wallFriction * s.wallForceN[i];
    }
    // The leading tip pressing on the wall ahead of it is felt at the leading device's hub.
    const size_t n = s.nodes.size() - 1;
    if (model.lumen && s.wallForceN[n] > 0.0) {
        const LumenContact c = model.lumen->contact(s.segment[n], s.nodes[n], s.scratch.radius[n]);
        const glm::dvec3 t = unitOr(s.nodes[n] - s.nodes[n - 1], o.accessDirection);
        for (int k = 0; k < D; ++k)
            if (s.insertedMm[static_cast<size_t>(k)] >= s.lengthMm - 1e-9)
                s.hubForceN[static_cast<size_t>(k)] += s.wallForceN[n] * std::max(0.0, glm::dot(c.normal, t));
    }
    ++s.steps;
}

}  // namespace irsim::physics
