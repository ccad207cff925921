#include "physics/endovascular_devices.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"
#include "core/units.h"

namespace irsim::physics {

namespace {

double tubeSecondMoment(double od, double id) { return kPi / 64.0 * (od * od * od * od - id * id * id * id); }

// Reads one TOML table, refusing keys it was not asked for, with every error naming the file,
// the line of the offending node and its dotted path.
class TableReader {
public:
    TableReader(const std::string& file, const toml::table& table, std::string path)
        : file_(file), table_(table), path_(std::move(path)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        const toml::node* n = key.empty() ? nullptr : table_.get(key);
        const int line = static_cast<int>(n ? n->source().begin.line : table_.source().begin.line);
        throw DataError(file_, line, field(key), what);
    }
    std::string field(const std::string& key) const {
        if (key.empty()) return path_;
        return path_.empty() ? key : path_ + "." + key;
    }

    const toml::node* get(const std::string& key) const {
        known_.push_back(key);
        return table_.get(key);
    }
    // A required key that is missing may be misspelt: name the misspelling where it is.
    [[noreturn]] void missing(const std::string& key, const std::string& what) const {
        for (auto&& [k, v] : table_) {
            const std::string other(k.str());
            if (other != key && closestWord(other, {key}) == key)
                throw DataError(file_, static_cast<int>(k.source().begin.line), field(other),
                                "unknown key '" + other + "'; did you mean '" + key + "'?");
        }
        fail(key, "missing; " + what);
    }
    double number(const std::string& key, double lo, double hi, const double* fallback = nullptr) const {
        const toml::node* n = get(key);
        if (!n) {
            if (fallback) return *fallback;
            missing(key, "expected a number from " + formatNumber(lo) + " to " + formatNumber(hi));
        }
        std::optional<double> v = n->value<double>();
        if (!v || n->is_boolean()) fail(key, "expected a number from " + formatNumber(lo) + " to " + formatNumber(hi));
        if (!(*v >= lo && *v <= hi))
            fail(key, "expected a number from " + formatNumber(lo) + " to " + formatNumber(hi) + ", got " +
                          formatNumber(*v));
        return *v;
    }
    double number(const std::string& key, double lo, double hi, double fallback) const {
        return number(key, lo, hi, &fallback);
    }
    std::string text(const std::string& key, const std::string* fallback = nullptr) const {
        const toml::node* n = get(key);
        if (!n) {
            if (fallback) return *fallback;
            missing(key, "expected a text in quotes");
        }
        if (!n->is_string()) fail(key, "expected a text in quotes");
        return std::string(*n->value<std::string_view>());
    }
    std::string text(const std::string& key, const std::string& fallback) const { return text(key, &fallback); }
    bool flag(const std::string& key, bool fallback) const {
        const toml::node* n = get(key);
        if (!n) return fallback;
        if (!n->is_boolean()) fail(key, "expected true or false");
        return *n->value<bool>();
    }
    // Sub-tables of an array of tables ([[device.section]]); empty when absent.
    std::vector<TableReader> tables(const std::string& key) const {
        std::vector<TableReader> out;
        const toml::node* n = get(key);
        if (!n) return out;
        const toml::array* a = n->as_array();
        if (!a) fail(key, "expected an array of tables ([[" + field(key) + "]])");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            if (!t) fail(key, "expected an array of tables ([[" + field(key) + "]])");
            out.emplace_back(file_, *t, field(key) + "[" + std::to_string(i) + "]");
        }
        return out;
    }
    std::optional<TableReader> table(const std::string& key) const {
        const toml::node* n = get(key);
        if (!n) return std::nullopt;
        const toml::table* t = n->as_table();
        if (!t) fail(key, "expected a table ([" + field(key) + "])");
        return TableReader(file_, *t, field(key));
    }
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        for (auto&& [k, v] : table_) out.emplace_back(k.str());
        return out;
    }
    // Call after reading: any key nobody asked for is a typo or an unsupported field.
    void refuseUnknown() const {
        for (auto&& [k, v] : table_) {
            const std::string key(k.str());
            if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
            std::string what = "unknown key '" + key + "'";
            const std::string near = closestWord(key, known_);
            if (!near.empty()) what += "; did you mean '" + near + "'?";
            throw DataError(file_, static_cast<int>(k.source().begin.line ? k.source().begin.line
                                                                          : v.source().begin.line),
                            field(key), what + " (" + (path_.empty() ? "the file" : path_) + " takes " +
                                            joinWords(known_, "and") + ")");
        }
    }
    const std::string& file() const { return file_; }

private:
    std::string file_;
    const toml::table& table_;
    std::string path_;
    mutable std::vector<std::string> known_;
};

EndovascularKind parseKind(const TableReader& r) {
    const std::string k = r.text("kind");
    static const std::map<std::string, EndovascularKind> kinds{
        {"sheath", EndovascularKind::Sheath},         {"guidewire", EndovascularKind::Guidewire},
        {"microwire", EndovascularKind::Microwire},   {"catheter", EndovascularKind::Catheter},
        {"microcatheter", EndovascularKind::Microcatheter}};
    auto it = kinds.find(k);
    if (it == kinds.end()) r.fail("kind", "expected sheath, guidewire, microwire, catheter or microcatheter, got '" + k + "'");
    return it->second;
}

DeviceSection parseSection(const TableReader& r, const std::map<std::string, DeviceMaterial>& materials,
                           double deviceOd, bool last) {
    DeviceSection s;
    s.name = r.text("name");
    const double none = -1.0;
    s.lengthMm = r.number("length_mm", 0.1, 10000.0, last ? &none : nullptr);
    const std::string m = r.text("material");
    auto it = materials.find(m);
    if (it == materials.end()) {
        std::vector<std::string> names;
        for (const auto& [n, _] : materials) names.push_back(n);
        std::string what = "no [material." + m + "] in this file";
        const std::string near = closestWord(m, names);
        if (!near.empty()) what += "; did you mean '" + near + "'?";
        r.fail("material", what);
    }
    s.material = it->second;
    s.proximalOuterDiameterMm = r.number("diameter_mm", 0.01, deviceOd + 1e-9);
    s.distalOuterDiameterMm = r.number("distal_diameter_mm", 0.01, deviceOd + 1e-9, s.proximalOuterDiameterMm);
    s.innerDiameterMm = r.number("inner_diameter_mm", 0.0, 20.0, 0.0);
    if (s.innerDiameterMm >= std::min(s.proximalOuterDiameterMm, s.distalOuterDiameterMm))
        r.fail("inner_diameter_mm", "must be smaller than the section's diameter (" +
                                        formatNumber(std::min(s.proximalOuterDiameterMm, s.distalOuterDiameterMm)) + " mm)");
    r.text("source", "");
    r.refuseUnknown();
    return s;
}

EndovascularDevice parseDevice(const TableReader& r, const std::map<std::string, DeviceMaterial>& materials,
                               const std::map<std::string, DeviceCoating>& coatings) {
    EndovascularDevice d;
    d.id = r.text("id");
    d.title = r.text("title", d.id);
    d.kind = parseKind(r);
    d.lengthMm = r.number("length_mm", 10.0, 5000.0);
    d.outerDiameterMm = r.number("outer_diameter_mm", 0.1, 10.0);
    d.innerDiameterMm = r.number("inner_diameter_mm", 0.0, 10.0, 0.0);
    if (d.innerDiameterMm >= d.outerDiameterMm)
        r.fail("inner_diameter_mm", "must be smaller than outer_diameter_mm (" + formatNumber(d.outerDiameterMm) + ")");
    d.maxWireDiameterMm = r.number("max_wire_diameter_mm", 0.0, d.innerDiameterMm + 1e-9, d.innerDiameterMm);
    d.ratedPressurePsi = r.number("rated_pressure_psi", 0.0, 2000.0, 0.0);
    const std::string c = r.text("coating");
    auto ci = coatings.find(c);
    if (ci == coatings.end()) r.fail("coating", "no [coating." + c + "] in this file");
    d.coating = ci->second;
    d.source = r.text("source");

    const std::vector<TableReader> sections = r.tables("section");
    if (sections.empty()) r.fail("section", "a device needs at least one [[device.section]] (tip first)");
    double used = 0.0;
    for (size_t i = 0; i < sections.size(); ++i) {
        DeviceSection s = parseSection(sections[i], materials, d.outerDiameterMm, i + 1 == sections.size());
        if (s.lengthMm < 0.0) s.lengthMm = d.lengthMm - used;  // the last section is the rest
        used += s.lengthMm;
        if (used > d.lengthMm + 1e-6)
            sections[i].fail("length_mm", "the sections add up to " + formatNumber(used) + " mm, more than the device's " +
                                              formatNumber(d.lengthMm) + " mm");
        d.sections.push_back(s);
    }
    if (std::abs(used - d.lengthMm) > 1e-6)
        sections.back().fail("length_mm", "the sections add up to " + formatNumber(used) + " mm; the device is " +
                                              formatNumber(d.lengthMm) + " mm (leave the last length out for the rest)");

    for (const TableReader& a : r.tables("shape")) {
        ShapeArc arc;
        if (a.get("straight_mm")) {
            arc.lengthMm = a.number("straight_mm", 0.0, 1000.0);
        } else {
            arc.radiusMm = a.number("radius_mm", 0.5, 1000.0);
            arc.angleDeg = a.number("angle_deg", -360.0, 360.0);
            arc.lengthMm = arc.radiusMm * std::abs(arc.angleDeg) * kDegToRad;
        }
        a.text("source", "");
        a.refuseUnknown();
        d.tipShape.push_back(arc);
    }
    if (d.shapedLengthMm() > d.lengthMm) r.fail("shape", "the tip shape is longer than the device");

    if (auto ro = r.table("radiopacity")) {
        d.radiopacity.tipCoilMm = ro->number("tip_coil_mm", 0.0, 1000.0, 0.0);
        if (const toml::node* n = ro->get("marker_bands_mm_from_tip")) {
            const toml::array* a = n->as_array();
            if (!a) ro->fail("marker_bands_mm_from_tip", "expected an array of numbers");
            for (const auto& v : *a) {
                std::optional<double> x = v.value<double>();
                if (!x || *x < 0.0 || *x > d.lengthMm)
                    ro->fail("marker_bands_mm_from_tip", "expected numbers from 0 to the device length");
                d.radiopacity.markerBandsMmFromTip.push_back(*x);
            }
        }
        d.radiopacity.shaftFiller = ro->text("shaft_filler", "");
        ro->text("source", "");
        ro->refuseUnknown();
    }
    r.refuseUnknown();
    return d;
}

}  // namespace

double DeviceSection::outerDiameterAt(double f) const {
    return proximalOuterDiameterMm + (distalOuterDiameterMm - proximalOuterDiameterMm) * std::clamp(f, 0.0, 1.0);
}
double DeviceSection::bendingStiffnessAt(double f) const {
    return material.youngsModulus * tubeSecondMoment(outerDiameterAt(f), innerDiameterMm);
}
double DeviceSection::torsionalStiffnessAt(double f) const {
    // Polar moment of a circular tube: J = 2 I.
    return material.shearModulus * 2.0 * tubeSecondMoment(outerDiameterAt(f), innerDiameterMm);
}
double DeviceSection::areaAt(double f) const {
    const double od = outerDiameterAt(f);
    return kPi / 4.0 * (od * od - innerDiameterMm * innerDiameterMm);
}

const DeviceSection& EndovascularDevice::sectionAt(double mmFromTip, double* fraction) const {
    double start = 0.0;
    for (size_t i = 0; i < sections.size(); ++i) {
        const DeviceSection& s = sections[i];
        if (mmFromTip < start + s.lengthMm || i + 1 == sections.size()) {
            if (fraction) *fraction = std::clamp(1.0 - (mmFromTip - start) / s.lengthMm, 0.0, 1.0);
            return s;
        }
        start += s.lengthMm;
    }
    return sections.back();
}
double EndovascularDevice::bendingStiffnessAt(double mmFromTip) const {
    double f = 0.0;
    const DeviceSection& s = sectionAt(mmFromTip, &f);
    return s.bendingStiffnessAt(f);
}
double EndovascularDevice::torsionalStiffnessAt(double mmFromTip) const {
    double f = 0.0;
    const DeviceSection& s = sectionAt(mmFromTip, &f);
    return s.torsionalStiffnessAt(f);
}
double EndovascularDevice::axialStiffnessAt(double mmFromTip) const {
    double f = 0.0;
    const DeviceSection& s = sectionAt(mmFromTip, &f);
    return s.material.youngsModulus * s.areaAt(f);
}
double EndovascularDevice::linearDensityAt(double mmFromTip) const {
    double f = 0.0;
    const DeviceSection& s = sectionAt(mmFromTip, &f);
    return s.material.density * 1e-6 * s.areaAt(f);  // g/cm^3 = 1e-6 kg/mm^3
}
double EndovascularDevice::shapedLengthMm() const {
    double l = 0.0;
    for (const ShapeArc& a : tipShape) l += a.lengthMm;
    return l;
}
double EndovascularDevice::restCurvatureAt(double mmFromTip) const {
    // The shape is listed proximal to tip and ends at the tip.
    double s = shapedLengthMm() - mmFromTip;  // distance from the shape's proximal start
    if (s < 0.0) return 0.0;
    for (const ShapeArc& a : tipShape) {
        if (s < a.lengthMm) return a.radiusMm > 0.0 ? (a.angleDeg >= 0.0 ? 1.0 : -1.0) / a.radiusMm : 0.0;
        s -= a.lengthMm;
    }
    return 0.0;
}

const EndovascularDevice& DeviceLibrary::device(const std::string& id) const {
    std::vector<std::string> ids;
    for (const EndovascularDevice& d : devices) {
        if (d.id == id) return d;
        ids.push_back(d.id);
    }
    std::string what = "no device '" + id + "'";
    const std::string near = closestWord(id, ids);
    if (!near.empty()) what += "; did you mean '" + near + "'?";
    throw DataError(file, 0, "device", what);
}

DeviceLibrary parseDeviceLibrary(const std::string& tomlText, const std::string& file) {
    toml::table root;
    try {
        root = toml::parse(tomlText, file);
    } catch (const toml::parse_error& e) {
        throw DataError(file, static_cast<int>(e.source().begin.line), "", std::string(e.description()));
    }
    const TableReader top(file, root, "");
    DeviceLibrary lib;
    lib.file = file;
    std::map<std::string, DeviceMaterial> materials;
    std::map<std::string, DeviceCoating> coatings;
    if (auto mt = top.table("material")) {
        for (const std::string& name : mt->keys()) {
            const auto r = mt->table(name);
            DeviceMaterial m;
            m.name = name;
            m.youngsModulus = r->number("youngs_modulus_gpa", 1e-4, 1000.0) * 1000.0;
            m.shearModulus = r->number("shear_modulus_gpa", 1e-5, 500.0) * 1000.0;
            m.density = r->number("density_g_cm3", 0.1, 25.0);
            m.estimated = r->flag("estimated", false);
            r->text("source");
            r->refuseUnknown();
            materials[name] = m;
            lib.materials.push_back(m);
        }
    }
    if (auto ct = top.table("coating")) {
        for (const std::string& name : ct->keys()) {
            const auto r = ct->table(name);
            DeviceCoating c;
            c.name = name;
            c.wallFriction = r->number("wall_friction", 0.0, 2.0);
            r->flag("estimated", false);
            r->text("source");
            r->refuseUnknown();
            coatings[name] = c;
            lib.coatings.push_back(c);
        }
    }
    for (const TableReader& d : top.tables("device")) {
        lib.devices.push_back(parseDevice(d, materials, coatings));
        for (size_t i = 0; i + 1 < lib.devices.size(); ++i)
            if (lib.devices[i].id == lib.devices.back().id) d.fail("id", "a second device with id '" + lib.devices[i].id + "'");
    }
    if (lib.devices.empty()) top.fail("device", "the library has no [[device]]");
    top.refuseUnknown();
    return lib;
}

DeviceLibrary loadDeviceLibrary(const std::string& path) { return parseDeviceLibrary(readTextFile(path), path); }

const DeviceLibrary& builtinDeviceLibrary() {
    static const DeviceLibrary lib = loadDeviceLibrary((projectRoot() / "assets" / "devices" / "endovascular.toml").string());
    return lib;
}

const char* toString(EndovascularKind k) {
    switch (k) {
        case EndovascularKind::Sheath: return "sheath";
        case EndovascularKind::Guidewire: return "guidewire";
        case EndovascularKind::Microwire: return "microwire";
        case EndovascularKind::Catheter: return "catheter";
        case EndovascularKind::Microcatheter: return "microcatheter";
    }
    return "?";
}

}  // namespace irsim::physics
