#pragma once
// Devices and agents that are not in the CT and move from frame to frame: catheters, guidewires,
// needles, trocars (polylines with a radius), iodinated contrast in vessels (polylines whose fill
// changes as the bolus flows and washes out), contrast blush, cement and other blobs (spheres).
// Each adds the mass of one radiopaque material along every ray that crosses it; the tissue it
// displaces is not removed (for steel that is < 3% of its own attenuation; catheter polymer and
// the water of contrast media attenuate like the blood or tissue they replace, so only their
// barium or iodine is counted). Frame: patient LPS, mm; densities g/cm^3.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <glm/glm.hpp>

#include "imaging/attenuation.h"
#include "patient/volume.h"

namespace irsim::imaging {

// A tube or rod along a polyline. Segment k runs from points[k] to points[k+1]: a cylinder cut at
// each joint by the plane that bisects the angle between it and its neighbour (a mitre), so that
// consecutive segments neither double-count nor leave a gap, bent or straight; the free ends are
// cut square and get hemispherical caps. A path's end may instead be a joint with other paths (a
// vessel's branch point): startJoins / endJoins list the other pieces that meet there (direction
// from the end point, lumen radius). Pieces of like calibre (within kJoinCalibre of the widest
// there) each keep the part of space nearer their own direction than the others' (the joint's
// mitres); a narrower branch starts where its axis leaves the wide ones. So the pieces at a branch
// point partition it and the contrast is their union, not their sum. innerRadiusMm > 0 makes it a
// tube (the lumen is empty). segmentFill, when not empty, has one value per segment (0..1) scaling
// gPerCm3: contrast that has reached part of a vessel.
struct PathJoin {
    glm::dvec3 direction{0.0};  // unit, away from the joint
    double radiusMm = 0.0;
};
constexpr double kJoinCalibre = 0.7;
struct RadiopaquePath {
    std::vector<glm::dvec3> pointsLps;  // mm
    double radiusMm = 0.5;
    double innerRadiusMm = 0.0;
    Material material = Material::Steel;
    double gPerCm3 = 7.9;               // mass of `material` per volume of the rod or tube wall
    std::vector<float> segmentFill;     // (pointsLps.size() - 1) or empty
    std::vector<PathJoin> startJoins, endJoins;  // empty: a free end (capped)
    double startRadiusMm = 0.0, endRadiusMm = 0.0;  // this path's calibre at its joints (0: radiusMm)
};

// One segment of a path as both renderers intersect it (this file, and the GPU's
// shaders/fluoro_compose.comp): the capsule round a-b of `radiusMm` (the cylinder between the
// planes square to it at a and b, and the half-balls beyond them), kept where
// dot(x - a, clipA[i].xyz) >= clipA[i].w and dot(x - b, clipB[i].xyz) >= clipB[i].w (each joint's
// side); a tube less its lumen (the lumen's half-balls only at joints: a free end's cap is closed).
constexpr int kMaxJointClips = 4;
struct SegmentPiece {
    glm::dvec3 a{0.0}, b{0.0};
    double radiusMm = 0.0, innerRadiusMm = 0.0;
    int clipsA = 0, clipsB = 0;          // 0: a free end
    glm::dvec4 clipA[kMaxJointClips], clipB[kMaxJointClips];
    bool joinedA = false, joinedB = false;
    double gPerCm2PerMm = 0.0;           // density x fill / 10
};
// Segment k of a multi-point path (not a one-point sphere); gPerCm2PerMm 0 when it is empty.
SegmentPiece segmentPiece(const RadiopaquePath& path, size_t k);
double pieceMassPath(const SegmentPiece& piece, const glm::dvec3& from, const glm::dvec3& dir);

struct RadiopaqueSphere {
    glm::dvec3 centreLps{0.0};
    double radiusMm = 1.0;
    Material material = Material::Iodine;
    double gPerCm3 = 0.1;
};

// What moves in one frame.
struct FrameContents {
    std::vector<RadiopaquePath> paths;
    std::vector<RadiopaqueSphere> spheres;
};

// Presets with their radiopaque part (device sizes from the catalogue French / gauge / inch):
// 0.035" guidewire: a 0.5 mm nitinol core (hydrophilic wires, e.g. Terumo Glidewire; the polymer
// jacket is tissue-like); its last 30 mm (the floppy tip) a 0.2 mm core.
RadiopaquePath guidewire(const std::vector<glm::dvec3>& points);
// 5 French catheter (1.67 mm outside, 0.038" lumen): polymer wall loaded with ~20% BaSO4 by mass
// (typical of radiopaque catheter compounds), 0.24 g/cm^3 of BaSO4 in the wall.
RadiopaquePath catheter(const std::vector<glm::dvec3>& points, double french = 5.0);
// A 1 mm ring marker at `tip` along unit `direction` (steel stands in for platinum-iridium, which
// the attenuation tables lack; real markers are darker still).
RadiopaquePath tipMarker(const glm::dvec3& tip, const glm::dvec3& direction, double outerRadiusMm);
// Steel needle with its stylet in (solid): 18 G is 1.27 mm, 11 G trocar 3.05 mm outside diameter.
RadiopaquePath needle(const glm::dvec3& hub, const glm::dvec3& tip, double gauge = 18.0);
// Iodinated contrast filling a vessel along its centreline: mgIodinePerMl (300-370 for undiluted
// media such as iohexol 300 / iopamidol 370; about half that once mixed with blood).
RadiopaquePath contrastInVessel(const std::vector<glm::dvec3>& centreline, double lumenRadiusMm,
                                double mgIodinePerMl);
RadiopaqueSphere contrastBlob(const glm::dvec3& centre, double radiusMm, double mgIodinePerMl);
// Vertebroplasty PMMA cement, ~30% BaSO4 by mass (e.g. KyphX HV-R), density ~1.6 g/cm^3: the
// PMMA replaces marrow of similar attenuation, so 0.48 g/cm^3 of BaSO4 is what shows.
RadiopaqueSphere cementBlob(const glm::dvec3& centre, double radiusMm);

// A density field on a CT grid (cement or contrast voxels from a flow model) as spheres of each
// voxel's volume at its centre: voxels lists (i, j, k) with gPerCm3 of `material`; zero entries
// are skipped.
struct SparseVoxelDensity {
    patient::VolumeGeometry grid;
    std::vector<glm::ivec3> voxels;
    std::vector<float> gPerCm3;  // per voxel
    Material material = Material::Iodine;
};
void appendAsSpheres(const SparseVoxelDensity& density, FrameContents& out);

// Chord lengths (mm) of the ray from `from` along unit `dir` (t >= 0 only), through one piece.
double chordThroughSphere(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& centre,
                          double radiusMm);
// Finite cylinder from a to b (cut by the perpendicular planes at a and b).
double chordThroughCylinder(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& a,
                            const glm::dvec3& b, double radiusMm);
// Mass path (g/cm^2) of the ray through segment k of a path (its fill, and the cap when k is a free
// first or last segment; a one-point path is a sphere, k = 0), and through the whole path (the sum
// over k in order).
double segmentMassPath(const RadiopaquePath& path, size_t k, const glm::dvec3& from, const glm::dvec3& dir);
size_t segmentCount(const RadiopaquePath& path);
double massPathThrough(const RadiopaquePath& path, const glm::dvec3& from, const glm::dvec3& dir);

}  // namespace irsim::imaging
