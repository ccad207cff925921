#pragma once
// Internal to the phantom: where everything is. One Anatomy is drawn from the seed first; the
// painters (torso.cpp, skeleton.cpp, arteries.cpp) then only read it, so the order of painting does
// not change the shapes. Frame: LPS mm, x = 0 midline, z = 0 at the L5 body centre.
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "patient/phantom.h"
#include "patient/phantom/painter.h"

namespace irsim::patient::phantom {

// Unenhanced CT numbers (HU) of the tissues: typical adult values (e.g. Hofer, "CT Teaching
// Manual", 4th ed., Thieme 2010, table of attenuation values); bone from Schneider, Pedroni &
// Lomax 1996 (Phys Med Biol 41:111; cortical bone ~+1000-1500 HU); vertebral cancellous bone from
// Pickhardt et al. 2013 (Ann Intern Med 158:588: L1 trabecular attenuation ~ 150-250 HU normal,
// < 110 HU osteoporotic).
namespace hu {
inline constexpr double air = -1000, lung = -850, fat = -100, visceralFat = -90, water = 0,
                        csf = 8, bile = 10, bowelFluid = 15, skin = 30, kidney = 32, cord = 35,
                        blood = 40, muscle = 50, spleen = 48, pancreas = 40, bowelWall = 45,
                        liver = 58, disc = 80, tumourLiver = 45, tumourBone = 40,
                        cancellous = 220, cancellousOsteoporotic = 100, cortical = 1300,
                        cartilage = 120, gas = -950, table = 150;
}

struct VertebraLayout {
    VertebraDimensions dim;
    uint16_t label = 0;
    double zCentre = 0.0;       // body centre, mm
    double yCentre = 0.0;       // body centre (anteroposterior), mm
    double heightLoss = 0.0;    // compression fracture: fraction of the anterior height lost
    bool lytic = false;
    dvec3 lyticCentre{0.0};
    double lyticRadius = 0.0;
};

struct Anatomy {
    PhantomOptions options;
    Rng rng;
    double fatMm = 20.0;                     // subcutaneous fat thickness
    std::vector<VertebraLayout> vertebrae;   // T6..L5, top to bottom
    // Organs (centres and semi-axes, mm), jittered by the seed.
    dvec3 liverRightC, liverRightR, liverLeftC, liverLeftR;
    dvec3 spleenC, spleenR, kidneyLC, kidneyRC, kidneyR, gallC, gallR, stomachC, stomachR;
    dvec3 heartC, heartR;
    dvec3 ivc{-24.0, 2.0, 0.0};              // x, y of the IVC axis
    double zPortal = 190.0;                  // the portal plane (segments 5/6 below, 7/8 above)
    dvec3 hilum{0.0};                        // porta hepatis
    double domeRightZ = 268.0, domeLeftZ = 255.0;
    MichelsType michels = MichelsType::I;
    std::map<std::string, dvec3> landmarks;
    struct LiverLesion { dvec3 centre; double radius; };
    std::vector<LiverLesion> liverLesions;

    // Body wall at height z: skin ellipse (semi-axes a lateral, b AP, centred at (0, yc)).
    void skinEllipse(double z, double& a, double& b, double& yc) const;
    double diaphragmZ(double x, double y) const;  // the top of the abdomen under the lungs
    const VertebraLayout* vertebra(const std::string& level) const;  // "L1"
    double liverSdf(const dvec3& p) const;
    int couinaudSegment(const dvec3& p) const;    // 1-8, for a point inside the liver
};

Anatomy drawAnatomy(const PhantomOptions& options);
PriorityTable makePriorities();

void paintBodyWall(Painter& p, const Anatomy& a);
void paintThorax(Painter& p, const Anatomy& a);
void paintAbdomen(Painter& p, const Anatomy& a);
void paintSpine(Painter& p, Anatomy& a);   // adds the vertebral landmarks
void paintRibsAndPelvis(Painter& p, const Anatomy& a);
// The arterial tree (aorta to the femorals, the hepatic tree grown into the liver's segments) and
// its voxelisation; adds vascular landmarks.
VesselTree buildArteries(Anatomy& a, const LabelMap& labels, const LabelMap& segments);
void paintVessels(Painter& p, const VesselTree& tree, const Anatomy& a);

}  // namespace irsim::patient::phantom
