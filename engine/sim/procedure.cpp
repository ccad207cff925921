// The registry of procedures and the declarations every session shares: the imaging actions (their
// handlers are Session's), events, metrics and quantities.
#include "sim/procedure.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include "core/error.h"
#include "sim/phases.h"
#include "sim/session.h"

namespace irsim::sim {

namespace {

std::map<std::string, ProcedureSpec>& registry() {
    static std::map<std::string, ProcedureSpec> m;
    return m;
}

using assessment::EventCategory;

template <void (Session::*member)(const Action&)>
ActionHandler sessionHandler() {
    return [](Procedure&, const Action& a, Session& s) { (s.*member)(a); };
}

}  // namespace

bool registerProcedure(ProcedureSpec spec) {
    if (spec.name.empty() || !spec.parse || !spec.make)
        throw std::logic_error("registerProcedure: a procedure needs a name, parse and make");
    for (const ActionSpec& a : spec.actions)
        for (const ActionSpec& common : imagingActions())
            if (a.name == common.name)
                throw std::logic_error("procedure '" + spec.name + "' redeclares the imaging action " + a.name);
    const std::string name = spec.name;
    registry()[name] = std::move(spec);
    return true;
}

const ProcedureSpec* findProcedure(const std::string& name) {
    if (isPhasedName(name)) return phasedProcedure(name);
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> procedureNames() {
    std::vector<std::string> names;
    for (const auto& [n, s] : registry()) names.push_back(n);
    return names;
}

const std::vector<ActionSpec>& imagingActions() {
    // The ranges are those of a typical floor-mounted C-arm and of the injector and CT scanner of
    // an angiography suite; the effect column is what docs/actions.md shows.
    static const std::vector<ActionSpec> actions = {
        {"carm.set",
         {numberArg("lao_deg", "deg", -180, 180).about("+LAO / -RAO; the C-arm stops at ±120"),
          numberArg("cran_deg", "deg", -90, 90).about("+CRAN / -CAUD; the C-arm stops at ±45")},
         "C-arm to these angles (an angle left out stays)",
         sessionHandler<&Session::carmMove>()},
        {"carm.rotate",
         {numberArg("dlao_deg", "deg", -240, 240).orElse(0), numberArg("dcran_deg", "deg", -90, 90).orElse(0)},
         "C-arm by these angles, within its mechanical range",
         sessionHandler<&Session::carmMove>()},
        {"table.move",
         {numberArg("lateral_mm", "mm", -300, 300).orElse(0).about("+ isocentre toward the patient's left"),
          numberArg("longitudinal_mm", "mm", -1000, 1000).orElse(0).about("+ toward the head"),
          numberArg("height_mm", "mm", -300, 300).orElse(0).about("+ toward the back")},
         "moves the table, and so the isocentre through the patient",
         sessionHandler<&Session::tableMove>()},
        {"carm.field_of_view", {numberArg("mm", "mm", 100, 480).require()}, "detector zoom mode",
         sessionHandler<&Session::fieldOfView>()},
        {"carm.collimate",
         {numberArg("x", "", 0.1, 1).about("open fraction"), numberArg("y", "", 0.1, 1).about("open fraction")},
         "collimator shutters", sessionHandler<&Session::collimate>()},
        {"fluoro.rate", {numberArg("pps", "pulses/s", 7.5, 30).only(kFluoroPulseRatesPps).require()},
         "pulse rate of fluoroscopy", sessionHandler<&Session::fluoroRate>()},
        {"fluoro.on", {}, "fluoroscopy pedal down", sessionHandler<&Session::fluoroOn>()},
        {"fluoro.off", {}, "fluoroscopy pedal up; the last image is held", sessionHandler<&Session::fluoroOff>()},
        {"cine.run",
         {numberArg("fps", "frames/s", 1, 30).orElse(7.5), numberArg("duration_s", "s", 0.1, 60).orElse(4)},
         "an acquisition run", sessionHandler<&Session::cineRun>()},
        {"image.store", {textArg("label")},
         "stores the image on the monitor; refused (event `action.refused`) when no new image is there",
         sessionHandler<&Session::imageStore>()},
        {"image.recall", {textArg("label").require()},
         "shows the latest image with this label again (an image of kind `recall`); refused (event "
         "`action.refused`) when there is none",
         sessionHandler<&Session::imageRecall>()},
        {"session.start", {textArg("scenario").about("the scenario's id"), textArg("trainee")},
         "the first line the app writes; replaying a log on another scenario is an error",
         sessionHandler<&Session::sessionStart>()},
        {"procedure.end", {textArg("reason")}, "ends the session; the debrief follows",
         sessionHandler<&Session::procedureEnd>()},
        {"contrast.inject",
         {numberArg("ml", "ml", 0.1, 100).require(), numberArg("rate_ml_s", "ml/s", 0.1, 30).orElse(2),
          placeArg("at").require().about("a vessel branch (its first segment), \"catheter_tip\" (the procedure's "
                                         "catheter) or a point (the nearest node)"),
          numberArg("mg_iodine_per_ml", "mg/ml", 50, 400).orElse(300).about("300 and 370 are the usual media")},
         "iodinated contrast into the arterial tree: it mixes with the blood at the tip, flows downstream, splits by "
         "flow and washes out (`engine/therapy/contrast.h`); event `contrast.reflux` when the rate exceeds the "
         "vessel's flow; at \"catheter_tip\" the rate is capped at what the catheter passes at its rated pressure "
         "(event `contrast.pressure_limit`), and refused (event `action.refused`) with no catheter in",
         sessionHandler<&Session::contrastInject>()},
        {"dsa.run", {numberArg("fps", "frames/s", 0.5, 7.5).orElse(3), numberArg("duration_s", "s", 1, 30).orElse(6)},
         "a DSA run: the first frame is the mask (start it before the contrast arrives, or event "
         "`dsa.mask_opacified`), then subtraction frames at the DSA programme's dose",
         sessionHandler<&Session::dsaRun>()},
        {"roadmap.on", {},
         "a subtracted roadmap: live fluoroscopy minus the last DSA run's mask, the run's peak-opacification "
         "arteries white and what came in since (a wire, a microcatheter) dark; refused without a DSA run with contrast "
         "or after the C-arm moved",
         sessionHandler<&Session::roadmapOn>()},
        {"roadmap.off", {}, "clears the roadmap (also when the C-arm, table or zoom moves)",
         sessionHandler<&Session::roadmapOff>()},
        {"ct.scan",
         {numberArg("from_mm", "mm", -5000, 5000).require().about("z, LPS: + toward the head"),
          numberArg("to_mm", "mm", -5000, 5000).require().about("the range is 10 to 1000 mm long").checkedWith([](const Action& a) {
              const double length = std::abs(a.requireNumber("to_mm") - a.requireNumber("from_mm"));
              if (length < 10.0 || length > 1000.0)
                  throw DataError(a.file, a.line, "to_mm", "expected a scan range of 10 to 1000 mm");
          }),
          textArg("kind", {"helical"}).orElse("helical"), numberArg("mas", "mAs", 10, 600).orElse(200),
          numberArg("pitch", "", 0.5, 1.5).orElse(1), textArg("window", {"soft_tissue", "liver", "bone", "lung"}).orElse("soft_tissue")},
         "a helical CT of the range with the devices where they are: an image of kind `ct`, the axial slice through "
         "the procedure's tip (or the range's middle); CTDIvol and DLP added to the `ct_*` metrics",
         sessionHandler<&Session::ctAcquire>()},
        {"ct.fluoro",
         {numberArg("z_mm", "mm", -5000, 5000).require(), numberArg("slices", "", 1, 16).orElse(3),
          numberArg("slice_mm", "mm", 0.5, 10).orElse(2.5), numberArg("mas", "mAs", 5, 200).orElse(30),
          textArg("window", {"soft_tissue", "liver", "bone", "lung"}).orElse("soft_tissue")},
         "CT fluoroscopy: an axial acquisition of slices x slice_mm around z, at low tube current",
         sessionHandler<&Session::ctAcquire>()},
    };
    return actions;
}

const std::vector<EventSpec>& imagingEvents() {
    static const std::vector<EventSpec> events = {
        {"fluoro.on", EventCategory::Imaging, "Fluoroscopy on"},
        {"fluoro.off", EventCategory::Imaging, "Fluoroscopy off"},
        {"cine.run", EventCategory::Imaging, "Cine run"},
        {"cine.end", EventCategory::Imaging, "Cine run ends"},
        {"image.store", EventCategory::Imaging, "Image stored"},
        {"image.recall", EventCategory::Imaging, "Image recalled"},
        {"dsa.run", EventCategory::Imaging, "DSA run"},
        {"dsa.end", EventCategory::Imaging, "DSA run ends"},
        {"dsa.mask_opacified", EventCategory::Imaging, "DSA mask already opacified"},
        {"roadmap.on", EventCategory::Imaging, "Roadmap on"},
        {"roadmap.off", EventCategory::Imaging, "Roadmap off"},
        {"ct.scan", EventCategory::Imaging, "CT scan"},
        {"ct.fluoro", EventCategory::Imaging, "CT fluoroscopy"},
        {"contrast.inject", EventCategory::Imaging, "Contrast injected"},
        {"contrast.reflux", EventCategory::Complication, "Contrast reflux"},
        {"contrast.pressure_limit", EventCategory::Imaging, "Injector at its pressure limit"},
        {"action.refused", EventCategory::Device, "Action refused"},
        {"session.end", EventCategory::Session, "Session ends"},
    };
    return events;
}

const std::vector<MetricSpec>& imagingMetrics() {
    static const std::vector<MetricSpec> metrics = {
        {"procedure_time_s", "s", "Procedure time"},
        {"fluoro_time_s", "s", "Fluoroscopy time"},
        {"fluoro_pulses", "pulses", "Fluoroscopy pulses"},
        {"fluoro_shots", "shots", "Fluoroscopy shots"},
        {"cine_frames", "frames", "Cine frames"},
        {"dsa_frames", "frames", "DSA frames"},
        {"images_stored", "images", "Images stored"},
        {"reference_air_kerma_mGy", "mGy", "Reference air kerma"},
        {"kerma_area_product_Gycm2", "Gy cm2", "Kerma-area product"},
        {"peak_skin_dose_mGy", "mGy", "Peak skin dose"},
        {"contrast_ml", "ml", "Contrast injected"},
        {"ct_acquisitions", "acquisitions", "CT acquisitions"},
        {"ct_dlp_mGycm", "mGy cm", "CT dose-length product"},
        {"ct_ctdivol_mGy", "mGy", "Highest CTDIvol"},
    };
    return metrics;
}

const std::vector<QuantitySpec>& imagingQuantities() {
    static const std::vector<QuantitySpec> q = {{"contrast_ml", "Contrast injected", "ml"}};
    return q;
}

std::string actionsMarkdown() {
    std::string out = "## Imaging (every procedure)\n\n" + actionsMarkdownTable(imagingActions()) +
                      "\n## Phased scenarios (`procedures = [...]`, docs/architecture.md)\n\n" +
                      "Each procedure's actions below are taken only during its phase.\n\n" +
                      actionsMarkdownTable(phaseActions());
    for (const std::string& name : procedureNames()) {
        const ProcedureSpec& p = *findProcedure(name);
        if (p.actions.empty()) continue;
        out += "\n## " + p.title + " (`" + p.name + "`" + (p.docs.empty() ? "" : ", " + p.docs) + ")\n\n" +
               actionsMarkdownTable(p.actions);
    }
    return out;
}

}  // namespace irsim::sim
