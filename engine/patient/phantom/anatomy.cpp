#include "patient/phantom/anatomy.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "patient/labels.h"

namespace irsim::patient {

const std::vector<VertebraDimensions>& phantomVertebrae() {
    // Adult means, rounded: pedicle outer width/height and transverse angle from Zindrick et al.
    // 1987 (Spine 12:160) and Panjabi et al. 1991 (thoracic, Spine 16:888) / 1992 (lumbar, Spine
    // 17:299); body endplate width/depth and posterior height from Panjabi 1991/1992; discs from
    // the same series (thoracic ~5-6 mm, lumbar ~10-12 mm). Interpedicular distance: lumbar canal
    // widths of ~20-26 mm (Panjabi 1992). Pedicle widths and heights lie inside the ranges of
    // individual pedicles of Lien, Liou & Wu 2007 (Eur Spine J 16:1215, doi:10.1007/s00586-006-0245-2,
    // published): width / height 3.4-7.7 / 8.6-13.7 mm at T1-T10 and 7.2-17.8 / 13.9-16.7 mm at
    // T11-L5, heights largest at T11-T12; T10, L4 and L5 heights were brought inside them (they were
    // 14.5, 13.8 and 13.5 mm); the per-level values inside the ranges are still estimated.
    static const std::vector<VertebraDimensions> table{
        // level  W     D     H     disc  pedW  pedH  medial canal
        {"T6", 30.0, 26.0, 19.0, 5.0, 4.8, 11.0, 8.0, 16.0},
        {"T7", 31.0, 27.0, 19.5, 5.0, 5.0, 11.5, 7.0, 16.0},
        {"T8", 32.0, 28.0, 20.0, 5.5, 5.4, 12.0, 6.0, 16.0},
        {"T9", 34.0, 29.0, 20.5, 5.5, 5.9, 13.0, 6.0, 16.5},
        {"T10", 36.0, 30.0, 21.5, 6.0, 6.5, 13.5, 5.0, 17.0},
        {"T11", 38.0, 31.0, 22.5, 6.5, 7.6, 16.5, 2.0, 18.0},
        {"T12", 40.0, 32.0, 24.0, 8.0, 7.6, 15.5, 1.0, 19.0},
        {"L1", 42.0, 33.0, 25.0, 10.0, 8.6, 15.2, 11.0, 22.0},
        {"L2", 44.0, 34.0, 26.0, 11.0, 8.9, 15.0, 12.0, 22.5},
        {"L3", 46.0, 35.0, 26.5, 11.5, 10.3, 14.5, 14.0, 23.0},
        {"L4", 48.0, 35.0, 26.5, 11.5, 12.9, 14.5, 18.0, 24.0},
        {"L5", 50.0, 34.0, 26.0, 11.0, 17.0, 14.2, 29.0, 26.0},
    };
    return table;
}

std::optional<MichelsType> parseMichelsType(const std::string& text) {
    std::string t;
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (t.rfind("TYPE", 0) == 0) t = t.substr(4);
    static const char* roman[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};
    for (int i = 0; i < 10; ++i)
        if (t == roman[i] || t == std::to_string(i + 1)) return static_cast<MichelsType>(i + 1);
    return std::nullopt;
}

std::string michelsName(MichelsType t) {
    static const char* roman[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};
    return roman[static_cast<int>(t) - 1];
}

std::optional<LesionKind> parseLesionKind(const std::string& text) {
    if (text == "hypervascular" || text == "hypervascular_liver") return LesionKind::HypervascularLiver;
    if (text == "lytic" || text == "lytic_metastasis") return LesionKind::LyticVertebral;
    if (text == "compression_fracture" || text == "fracture") return LesionKind::CompressionFracture;
    return std::nullopt;
}

namespace phantom {

namespace {
double smoothstep(double e0, double e1, double x) {
    const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

MichelsType drawMichels(Rng& rng) {
    // Michels 1966 frequencies in 200 dissections (%): I 55, II 10, III 11, IV 1, V 8, VI 7, VII 1,
    // VIII 2, IX 4.5, X 0.5.
    const double cumulative[] = {55, 65, 76, 77, 85, 92, 93, 95, 99.5, 100};
    const double u = rng.uniform() * 100.0;
    for (int i = 0; i < 10; ++i)
        if (u < cumulative[i]) return static_cast<MichelsType>(i + 1);
    return MichelsType::I;
}
}  // namespace

void Anatomy::skinEllipse(double z, double& a, double& b, double& c) const {
    // Inner (muscle) outline: pelvis wider than the waist, the thorax a little narrower.
    const double pelvis = 1.0 - smoothstep(-60.0, 20.0, z);
    const double thorax = smoothstep(180.0, 260.0, z);
    a = 140.0 + 15.0 * pelvis - 5.0 * thorax + fatMm;
    b = 98.0 + 2.0 * pelvis - 3.0 * thorax + fatMm * 0.9;
    c = 8.0;
}

double Anatomy::diaphragmZ(double x, double y) const {
    // Two domes (the right higher, over the liver), falling steeply into the posterior and lateral
    // costophrenic recesses (down to about L1).
    auto dome = [&](double apexX, double apexZ) {
        const double dx = x - apexX, dy = y + 5.0;
        return apexZ - dx * dx / 140.0 - dy * dy / (dy > 0.0 ? 120.0 : 220.0);
    };
    return std::max(175.0, std::max(dome(-55.0, domeRightZ), dome(55.0, domeLeftZ)));
}

const VertebraLayout* Anatomy::vertebra(const std::string& level) const {
    for (const auto& v : vertebrae)
        if (v.dim.level == level) return &v;
    return nullptr;
}

double Anatomy::liverSdf(const dvec3& p) const {
    const double lobes = std::min(sdEllipsoid(p, liverRightC, liverRightR), sdEllipsoid(p, liverLeftC, liverLeftR));
    return std::max(lobes, p.z - (diaphragmZ(p.x, p.y) - 5.0));
}

int Anatomy::couinaudSegment(const dvec3& p) const {
    // Couinaud's segments from the hepatic vein planes (vertical) and the portal plane (horizontal),
    // as on axial CT: the middle hepatic vein (Cantlie) plane from the IVC to the gallbladder fossa
    // separates the right and left liver; the right hepatic vein plane the anterior (5, 8) and
    // posterior (6, 7) sectors; the umbilical fissure segment 4 from 2 and 3; the caudate (1)
    // wraps the IVC.
    const glm::dvec2 q(p.x, p.y), cava(ivc.x, ivc.y);
    const glm::dvec2 gb(gallC.x, gallC.y);
    auto side = [&](glm::dvec2 a, glm::dvec2 b) {  // > 0 to the left of a->b (patient's left: +x)
        const glm::dvec2 d = b - a, r = q - a;
        return d.x * r.y - d.y * r.x;
    };
    const bool superior = p.z > zPortal;
    const glm::dvec2 rq = q - cava;
    if (glm::length(rq) < 28.0 && p.y > cava.y - 18.0 && p.x > cava.x - 15.0 && p.z < zPortal + 45.0 &&
        p.z > zPortal - 25.0)
        return 1;
    if (side(cava, gb) < 0.0) {  // right of the Cantlie line (cross product sign: right of IVC->GB)
        const glm::dvec2 rhv = cava + glm::dvec2(-90.0, -45.0);
        const bool posterior = side(cava, rhv) < 0.0;
        if (posterior) return superior ? 7 : 6;
        return superior ? 8 : 5;
    }
    const glm::dvec2 umbilical = cava + glm::dvec2(28.0, -90.0);
    if (side(cava, umbilical) < 0.0) return 4;
    return (superior || p.y > cava.y - 25.0) ? 2 : 3;
}

Anatomy drawAnatomy(const PhantomOptions& o) {
    Anatomy a;
    a.options = o;
    a.rng = Rng::seeded(o.seed, 7u);
    Rng& r = a.rng;
    auto jitter = [&](double mm) { return (r.uniform() * 2.0 - 1.0) * mm; };
    a.fatMm = 20.0 * o.bodySize;

    // Spine: stacked from L5 (z = 0) upwards.
    const auto& dims = phantomVertebrae();
    a.vertebrae.resize(dims.size());
    double z = 0.0;
    for (size_t n = dims.size(); n-- > 0;) {
        VertebraLayout& v = a.vertebrae[n];
        v.dim = dims[n];
        v.label = *labels::vertebra(v.dim.level);
        if (n + 1 < dims.size()) {
            const VertebraLayout& below = a.vertebrae[n + 1];
            z += below.dim.bodyHeightMm / 2.0 + v.dim.discHeightMm + v.dim.bodyHeightMm / 2.0;
        }
        v.zCentre = z;
        // A gentle lumbar lordosis: L3-L4 sit a few mm more anterior.
        v.yCentre = 26.0 - 6.0 * std::exp(-((z - 60.0) / 70.0) * ((z - 60.0) / 70.0));
    }

    const double zT12 = a.vertebra("T12")->zCentre, zL1 = a.vertebra("L1")->zCentre;
    const double zL2 = a.vertebra("L2")->zCentre;
    a.domeRightZ = a.vertebra("T9")->zCentre + jitter(6.0);
    a.domeLeftZ = a.domeRightZ - 12.0 + jitter(4.0);
    a.zPortal = 0.5 * (zT12 + a.vertebra("T11")->zCentre) + jitter(4.0);

    // Liver: a right lobe under the right dome and a left lobe across the midline (volume
    // ~1500 ml, in the adult range 1200-1800 ml; Heinemann et al. 1999, Liver 19:64).
    a.liverRightC = {-72.0 + jitter(4.0), 2.0 + jitter(4.0), a.domeRightZ - 70.0 + jitter(4.0)};
    a.liverRightR = {62.0 + jitter(3.0), 78.0 + jitter(3.0), 72.0 + jitter(3.0)};
    a.liverLeftC = {8.0 + jitter(4.0), -45.0 + jitter(3.0), a.domeRightZ - 45.0};
    a.liverLeftR = {60.0 + jitter(3.0), 38.0 + jitter(2.0), 36.0 + jitter(2.0)};
    a.gallC = {-42.0 + jitter(3.0), -62.0 + jitter(3.0), a.zPortal - 28.0};
    a.gallR = {15.0, 15.0, 35.0 + jitter(4.0)};
    a.hilum = {-40.0, -32.0, a.zPortal - 4.0};
    // Spleen ~200 ml (normal 107-314 ml; Prassopoulos et al. 1997, Eur Radiol 7:246).
    a.spleenC = {88.0 + jitter(3.0), 42.0 + jitter(3.0), zT12 + 20.0 + jitter(4.0)};
    a.spleenR = {26.0 + jitter(2.0), 46.0 + jitter(3.0), 52.0 + jitter(3.0)};
    // Kidneys ~150 ml each (Cheong et al. 2007, Clin J Am Soc Nephrol 2:38), the left higher.
    a.kidneyR = {27.0, 24.0, 55.0 + jitter(3.0)};
    a.kidneyLC = {72.0, 42.0, 0.5 * (zL1 + zL2) + 5.0 + jitter(4.0)};
    a.kidneyRC = {-74.0, 44.0, a.kidneyLC.z - 15.0 + jitter(4.0)};
    a.stomachC = {55.0 + jitter(4.0), -35.0, zT12 + 5.0 + jitter(5.0)};
    a.stomachR = {42.0, 32.0, 55.0};
    a.heartC = {18.0, -28.0, a.domeRightZ + 45.0};
    a.heartR = {62.0, 48.0, 55.0};

    a.michels = o.michels ? *o.michels : drawMichels(r);
    return a;
}

PriorityTable makePriorities() {
    namespace L = labels;
    PriorityTable p{};
    auto set = [&](std::initializer_list<uint16_t> ls, uint8_t v) {
        for (uint16_t l : ls) p[l] = v;
    };
    set({L::skin, L::subcutaneous_fat}, 1);
    set({L::muscle}, 2);
    set({L::visceral_fat, L::lung_lower_lobe_left, L::lung_upper_lobe_left, L::lung_lower_lobe_right,
         L::lung_middle_lobe_right},
        3);
    set({L::small_bowel, L::colon, L::duodenum, L::stomach, L::bowel_gas}, 5);
    set({L::liver, L::spleen, L::pancreas, L::heart, L::urinary_bladder, L::iliopsoas_left,
         L::iliopsoas_right, L::autochthon_left, L::autochthon_right, L::esophagus},
        6);
    set({L::kidney_left, L::kidney_right, L::gallbladder}, 7);
    set({L::aorta, L::inferior_vena_cava, L::portal_vein_and_splenic_vein, L::iliac_artery_left,
         L::iliac_artery_right, 67, 68, L::celiac_trunk, L::superior_mesenteric_artery,
         L::renal_artery_left, L::renal_artery_right, L::hepatic_artery, L::splenic_artery,
         L::common_femoral_artery_left, L::common_femoral_artery_right, L::left_gastric_artery,
         L::gastroduodenal_artery, L::hepatic_vein},
        9);
    set({L::liver_tumour}, 10);
    set({L::sacrum, L::hip_left, L::hip_right, L::femur_left, L::femur_right, L::sternum,
         L::costal_cartilages, L::intervertebral_disc},
        11);
    for (uint16_t v = 27; v <= 43; ++v) p[v] = 11;
    for (uint16_t v = 92; v <= 115; ++v) p[v] = 11;
    set({L::spinal_canal}, 12);
    set({L::spinal_cord}, 13);
    set({L::vertebral_metastasis}, 14);
    return p;
}

}  // namespace phantom
}  // namespace irsim::patient
